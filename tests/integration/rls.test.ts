// What the API roles can do, with the privileges hosted Supabase grants (supabase/local recreates
// them): every table in public starts with ALL for anon and authenticated, so only RLS and our
// migration's revokes keep users to their own rows and out of the billing tables.
import type pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createUser, sql } from "../support/helpers"

type Role = "anon" | "authenticated"
const WRITES = ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"] as const

/** Runs `fn` in a transaction as an API role (with the JWT claims PostgREST would set), then rolls back. */
async function as<T>(role: Role, userId: string | null, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await sql().connect()
  try {
    await c.query("begin")
    await c.query("select set_config('request.jwt.claims', $1, true), set_config('role', $2, true)", [
      JSON.stringify(userId ? { sub: userId, role } : { role }),
      role,
    ])
    return await fn(c)
  } finally {
    await c.query("rollback")
    c.release()
  }
}

/** The statement's error message, or "ok" — each in its own savepoint so the next one still runs. */
async function attempt(c: pg.PoolClient, statement: string, params: unknown[] = []) {
  await c.query("savepoint s")
  try {
    const res = await c.query(statement, params)
    await c.query("release savepoint s")
    return `ok (${res.rowCount ?? 0} rows)`
  } catch (err) {
    await c.query("rollback to savepoint s")
    return (err as Error).message
  }
}

const publicTables = async () =>
  (
    await sql().query<{ t: string }>(
      "select c.relname t from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1",
    )
  ).rows.map((r) => r.t)

describe("local Postgres grants what hosted Supabase grants", () => {
  it("gives anon, authenticated and service_role every privilege on a new table in public", async () => {
    const c = await sql().connect()
    try {
      await c.query("begin")
      await c.query("create table public.grant_probe (id int)")
      const { rows } = await c.query<{ role: string; privilege: string; granted: boolean }>(
        `select r as role, p as privilege, has_table_privilege(r, 'public.grant_probe', p) granted
         from unnest(array['anon', 'authenticated', 'service_role']) r, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p`,
      )
      expect(rows.filter((r) => !r.granted)).toEqual([])
    } finally {
      await c.query("rollback")
      c.release()
    }
  })
})

describe("row level security and privileges of the API roles", () => {
  let a: { id: string }
  let b: { id: string }
  beforeAll(async () => {
    a = await createUser()
    b = await createUser()
    for (const u of [a, b]) {
      await sql().query(
        "insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, stripe_created_at) values ($1, $2, $3, 'active', now())",
        [`sub_rls2_${u.id}`, u.id, `cus_rls2_${u.id}`],
      )
      await sql().query("insert into public.billing_customers (user_id, stripe_customer_id) values ($1, $2)", [u.id, `cus_rls2_${u.id}`])
      await sql().query(
        "insert into public.portal_sessions (user_id, stripe_session_id, url) values ($1, $2, 'https://billing.stripe.com/p/session/x')",
        [u.id, `bps_rls2_${u.id}`],
      )
      await sql().query(
        "insert into public.active_entitlements (stripe_customer_id, lookup_key, user_id, stripe_entitlement_id, stripe_feature_id) values ($1, 'advanced_analytics', $2, 'ent_rls', 'feat_rls')",
        [`cus_rls2_${u.id}`, u.id],
      )
    }
  })
  afterAll(async () => {
    await sql().query("delete from public.users where id = any($1)", [[a.id, b.id]])
  })

  it("authenticated reads only its own rows, plans, and nothing server-only", async () => {
    const seen = await as("authenticated", a.id, async (c) => ({
      users: (await c.query("select id from public.users")).rows.map((r) => r.id),
      subs: (await c.query("select distinct user_id from public.user_subscriptions")).rows.map((r) => r.user_id),
      plans: (await c.query("select count(*)::int n from public.subscription_plans")).rows[0].n,
      entitlements: (await c.query("select distinct user_id from public.active_entitlements")).rows.map((r) => r.user_id),
      customers: await attempt(c, "select * from public.billing_customers"),
      events: await attempt(c, "select * from public.subscription_events"),
      portal: await attempt(c, "select * from public.portal_sessions"),
    }))
    expect(seen.users).toEqual([a.id])
    expect(seen.subs).toEqual([a.id])
    expect(seen.entitlements).toEqual([a.id])
    expect(seen.plans).toBe(2)
    for (const denied of [seen.customers, seen.events, seen.portal]) expect(denied).toMatch(/permission denied/)
  })

  it("members read their own team and who is on it; only the owner reads its invites; others see nothing", async () => {
    const outsider = await createUser()
    const { rows } = await sql().query<{ id: string }>("insert into public.teams (owner_user_id) values ($1) returning id", [a.id])
    const team = rows[0]?.id
    await sql().query("insert into public.team_members (team_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'member')", [
      team,
      a.id,
      b.id,
    ])
    await sql().query(
      "insert into public.team_invites (team_id, email, token_hash, invited_by, expires_at) values ($1, 'next@example.com', $2, $3, now() + interval '1 day')",
      [team, `hash-${team}`, a.id],
    )
    try {
      const view = (userId: string) =>
        as("authenticated", userId, async (c) => ({
          teams: (await c.query("select id from public.teams")).rows.map((r) => r.id),
          members: (await c.query("select user_id from public.team_members order by role")).rows.map((r) => r.user_id),
          invites: (await c.query("select email from public.team_invites")).rows.map((r) => r.email),
        }))
      expect(await view(a.id)).toEqual({ teams: [team], members: [b.id, a.id], invites: ["next@example.com"] })
      expect(await view(b.id)).toEqual({ teams: [team], members: [b.id, a.id], invites: [] })
      expect(await view(outsider.id)).toEqual({ teams: [], members: [], invites: [] })
      const anon = await as("anon", null, async (c) => [
        await attempt(c, "select * from public.teams"),
        await attempt(c, "select * from public.team_members"),
        await attempt(c, "select * from public.team_invites"),
      ])
      for (const denied of anon) expect(denied).toMatch(/permission denied/)
      // A member cannot add people, remove the owner, or forge an invite (writes go through the server).
      const writes = await as("authenticated", b.id, async (c) => [
        await attempt(c, "insert into public.team_members (team_id, user_id, role) values ($1, $2, 'member')", [team, outsider.id]),
        await attempt(c, "delete from public.team_members where user_id = $1", [a.id]),
        await attempt(c, "update public.team_members set role = 'owner' where user_id = $1", [b.id]),
        await attempt(
          c,
          "insert into public.team_invites (team_id, email, token_hash, expires_at) values ($1, 'x@example.com', 'h', now())",
          [team],
        ),
      ])
      for (const denied of writes) expect(denied).toMatch(/permission denied/)
    } finally {
      await sql().query("delete from public.teams where id = $1", [team])
      await sql().query("delete from public.users where id = $1", [outsider.id])
    }
  })

  it("anon reads the plans and nothing else", async () => {
    const seen = await as("anon", null, async (c) => ({
      plans: (await c.query("select count(*)::int n from public.subscription_plans")).rows[0].n,
      others: await (async () => {
        const out: string[] = []
        for (const t of [
          "users",
          "user_subscriptions",
          "billing_customers",
          "subscription_events",
          "portal_sessions",
          "active_entitlements",
        ])
          out.push(await attempt(c, `select * from public.${t}`))
        return out
      })(),
    }))
    expect(seen.plans).toBe(2)
    for (const denied of seen.others) expect(denied).toMatch(/permission denied/)
  })

  it("neither role holds a write privilege on any table in public", async () => {
    const granted: string[] = []
    for (const table of await publicTables())
      for (const role of ["anon", "authenticated"])
        for (const p of WRITES) {
          const { rows } = await sql().query<{ ok: boolean }>("select has_table_privilege($1, $2, $3) ok", [role, `public.${table}`, p])
          if (rows[0]?.ok) granted.push(`${role} ${p} ${table}`)
        }
    expect(granted).toEqual([])
  })

  it("neither role can change a billing row, even its own (TRUNCATE ignores RLS)", async () => {
    for (const role of ["anon", "authenticated"] as const) {
      const results = await as(role, role === "authenticated" ? a.id : null, async (c) => [
        await attempt(c, "update public.user_subscriptions set status = 'active', plan_id = null where user_id = $1", [a.id]),
        await attempt(
          c,
          "insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, stripe_created_at) values ('sub_forged', $1, 'cus_forged', 'active', now())",
          [a.id],
        ),
        await attempt(c, "delete from public.user_subscriptions where user_id = $1", [a.id]),
        await attempt(c, "update public.billing_customers set stripe_customer_id = 'cus_forged' where user_id = $1", [a.id]),
        await attempt(c, "insert into public.billing_customers (user_id, stripe_customer_id) values ($1, 'cus_forged2')", [b.id]),
        await attempt(c, "update public.subscription_plans set monthly_amount = 0"),
        await attempt(c, "insert into public.portal_sessions (user_id, stripe_session_id, url) values ($1, 'bps_forged', 'x')", [a.id]),
        await attempt(c, "update public.users set email = 'forged@example.com' where id = $1", [a.id]),
        await attempt(
          c,
          "insert into public.active_entitlements (stripe_customer_id, lookup_key, user_id, stripe_entitlement_id, stripe_feature_id) values ('cus_forged', 'audit_log', $1, 'ent_x', 'feat_x')",
          [a.id],
        ),
        ...(await (async () => {
          const out: string[] = []
          for (const t of await publicTables()) out.push(await attempt(c, `truncate public.${t} cascade`))
          return out
        })()),
      ])
      for (const r of results) expect(r, role).toMatch(/permission denied/)
    }
    const { rows } = await sql().query("select count(*)::int n from public.user_subscriptions where user_id = $1 and status = 'active'", [
      a.id,
    ])
    expect(rows[0].n).toBe(1)
  })
})
