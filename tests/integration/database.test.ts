import { readdirSync } from "node:fs"
import path from "node:path"
import { is } from "drizzle-orm"
import { getTableConfig, PgTable } from "drizzle-orm/pg-core"
import { afterAll, describe, expect, it } from "vitest"
import * as schema from "@/lib/db/schema"
import { asUser } from "@/lib/billing/views/queries"
import { pool } from "@/lib/db/client"
import { createUser, sql } from "../support/helpers"

afterAll(() => pool.end())

describe("migrations", () => {
  it("match the Drizzle schema column for column, table for table (no drift)", async () => {
    const tables = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable => is(v, PgTable))
    const { rows: inDb } = await sql().query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
    )
    expect(tables.map((t) => getTableConfig(t).name).sort()).toEqual(inDb.map((r) => r.table_name).sort())
    for (const table of tables) {
      const cfg = getTableConfig(table)
      const { rows } = await sql().query<{ column_name: string; is_nullable: string }>(
        "select column_name, is_nullable from information_schema.columns where table_schema = 'public' and table_name = $1",
        [cfg.name],
      )
      const db = Object.fromEntries(rows.map((r) => [r.column_name, r.is_nullable === "NO"]))
      const ts = Object.fromEntries(cfg.columns.map((c) => [c.name, c.notNull]))
      expect(ts, cfg.name).toEqual(db)
    }
  })

  it("comment every column and enable RLS on every table", async () => {
    const missing = await sql().query(
      `select c.table_name, c.column_name from information_schema.columns c
       join pg_class t on t.relname = c.table_name join pg_namespace n on n.oid = t.relnamespace and n.nspname = 'public'
       where c.table_schema = 'public' and col_description(t.oid, c.ordinal_position) is null`,
    )
    expect(missing.rows).toEqual([])
    const noRls = await sql().query(
      "select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity",
    )
    expect(noRls.rows).toEqual([])
  })

  it("record applied migrations where the Supabase CLI looks for them", async () => {
    const { rows } = await sql().query("select version from supabase_migrations.schema_migrations order by version")
    const files = readdirSync(path.join(import.meta.dirname, "../../supabase/migrations"))
      .map((f) => f.split("_")[0])
      .sort()
    expect(files.length).toBeGreaterThanOrEqual(3)
    expect(rows.map((r) => r.version)).toEqual(files)
  })

  it("create public.users from auth.users by trigger and follow email changes", async () => {
    const u = await createUser()
    await sql().query("update auth.users set email = 'changed-' || email where id = $1", [u.id])
    const { rows } = await sql().query("select email from public.users where id = $1", [u.id])
    expect(rows[0].email).toBe(`changed-${u.email}`)
  })
})

describe("row level security", () => {
  it("lets a user read only their own rows; anon reads only plans", async () => {
    const a = await createUser()
    const b = await createUser()
    for (const [user, sub] of [
      [a, "sub_rls_a"],
      [b, "sub_rls_b"],
    ] as const) {
      await sql().query(
        "insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, stripe_created_at) values ($1, $2, 'cus_x', 'active', now())",
        [`${sub}_${user.id}`, user.id],
      )
      await sql().query("insert into public.billing_customers (user_id, stripe_customer_id) values ($1, $2)", [
        user.id,
        `cus_rls_${user.id}`,
      ])
    }
    const seen = await asUser(a.id, async (tx) => {
      const subs = await tx.select().from(schema.userSubscriptions)
      const users = await tx.select().from(schema.users)
      const plans = await tx.select().from(schema.subscriptionPlans)
      return { subs, users, plans }
    })
    // No grant and no policy: billing_customers is server-only.
    await expect(asUser(a.id, (tx) => tx.select().from(schema.billingCustomers))).rejects.toThrow()
    expect(seen.subs.map((s) => s.userId)).toEqual([a.id])
    expect(seen.users.map((u) => u.id)).toEqual([a.id])
    expect(seen.plans.length).toBe(2)

    const client = await sql().connect()
    try {
      await client.query("begin; set local role anon")
      expect((await client.query("select count(*)::int n from public.subscription_plans")).rows[0].n).toBe(2)
      await expect(client.query("select * from public.user_subscriptions")).rejects.toThrow(/permission denied/)
    } finally {
      await client.query("rollback")
      client.release()
    }
  })
})
