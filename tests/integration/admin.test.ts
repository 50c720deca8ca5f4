// The operator console on the real Postgres and the auth emulator: the admin role from app_metadata
// (granted through the Auth admin API as `npm run admin:grant` does), a non-admin refused with a 404,
// replaying a dead event (the drain then applies it), the audit rows, and lenient search params.
import { afterAll, describe, expect, it, vi } from "vitest"
import type Stripe from "stripe"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { adminClient, startTestAuth, uniqueEmail } from "../support/auth-emulator"
import { eventsFor, signedRequest, sql } from "../support/helpers"
import { jar } from "../support/cookie-jar"

// The actions read the session from next/headers' cookies: a cookie jar stands in for the browser's.
vi.mock("next/headers", () => import("../support/cookie-jar"))
// Outside a Next request there is no page cache to revalidate (the browser test sees the page refresh).
vi.mock("next/cache", () => ({ revalidatePath: () => {} }))

const auth = await startTestAuth()
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { subscribedUser } = await import("../support/billing")
const { grantAdmin } = await import("@/lib/auth/admin-grant")
const { replayEvent, replayAllDead } = await import("@/lib/actions/admin")
const { parseEventFilter, listEvents, getEvent, redactPayload } = await import("@/lib/billing/admin/events")
const { drainBillingEvents } = await import("@/lib/billing/sync/drain")
const { receiveStripeWebhook } = await import("@/lib/billing/sync/ingest")
const { createClient } = await import("@/lib/supabase/server")
const { pool } = await import("@/lib/db/client")
const { DEV_ADMIN, seedDevAdmin } = await import("../../scripts/lib/seed-admin")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

const NOT_FOUND = { digest: "NEXT_HTTP_ERROR_FALLBACK;404" }

async function signIn(email: string) {
  jar.clear()
  const { error } = await (await createClient()).auth.signInWithPassword({ email, password: "password-123" })
  if (error) throw error
}

async function account() {
  const email = uniqueEmail("admin")
  const { error } = await (await adminClient(auth.url)).auth.admin.createUser({ email, password: "password-123", email_confirm: true })
  if (error) throw error
  return email
}

/** A real customer.subscription.updated stored in the inbox, then left dead as the drain leaves it. */
async function deadEvent() {
  const { customerId, subscriptionId, stripe } = await subscribedUser()
  const updated: Stripe.Event | undefined = (await eventsFor(stripe, customerId)).find((e) => e.type === "customer.subscription.updated")
  if (!updated) throw new Error("no customer.subscription.updated event")
  await sql().query("delete from subscription_events where stripe_event_id = $1", [updated.id])
  await receiveStripeWebhook(signedRequest(JSON.stringify(updated)), { schedule: () => {} })
  await sql().query("update subscription_events set attempts = 16, dead_at = now(), error = 'injected' where stripe_event_id = $1", [
    updated.id,
  ])
  return { id: updated.id, customerId, subscriptionId }
}

const eventRow = async (id: string) => (await sql().query("select * from subscription_events where stripe_event_id = $1", [id])).rows[0]
const auditRows = async (action: string, target: string | null) =>
  (await sql().query("select * from admin_audit_log where action = $1 and target is not distinct from $2 order by id", [action, target]))
    .rows

describe("the admin role", () => {
  it("is refused (a 404) to a visitor and to a signed-in user without app_metadata.role = admin", async () => {
    const { id } = await deadEvent()
    jar.clear()
    await expect(replayEvent(id)).rejects.toMatchObject(NOT_FOUND)
    await signIn(await account())
    await expect(replayEvent(id)).rejects.toMatchObject(NOT_FOUND)
    await expect(replayAllDead()).rejects.toMatchObject(NOT_FOUND)
    expect((await eventRow(id)).dead_at).not.toBeNull() // nothing replayed
  })

  it("is granted through the Auth admin API, carried in the next token, audited, and revoked the same way", async () => {
    const email = await account()
    expect(await grantAdmin("not-an-email")).toMatchObject({ ok: false })
    expect(await grantAdmin(uniqueEmail("nobody"))).toMatchObject({ ok: false, message: expect.stringMatching(/no user/) })
    expect(await grantAdmin(email.toUpperCase())).toMatchObject({ ok: true })
    expect(await auditRows("admin.grant", email)).toMatchObject([{ actor_email: "cli", detail: { role: "admin" } }])
    await signIn(email)
    const { data } = await (await createClient()).auth.getClaims()
    expect(data?.claims.app_metadata).toMatchObject({ role: "admin" })
    expect(await replayAllDead()).toMatchObject({ ok: true })
    expect(await grantAdmin(email, { revoke: true })).toMatchObject({ ok: true })
    await signIn(email)
    await expect(replayAllDead()).rejects.toMatchObject(NOT_FOUND)
  })
})

describe("replaying dead events", () => {
  it("makes one dead event due; the drain applies it; an audit row says who, when, what", async () => {
    const email = await account()
    await grantAdmin(email)
    await signIn(email)
    const { id, customerId } = await deadEvent()
    expect(await listEvents(parseEventFilter({ state: "dead", customer: customerId }))).toMatchObject([{ id, state: "dead" }])
    expect(await replayEvent("not an id")).toMatchObject({ ok: false, code: "invalid_event" })
    expect(await replayEvent(id)).toEqual({ ok: true, replayed: 1 })
    expect(await eventRow(id)).toMatchObject({ dead_at: null, attempts: 0 })
    expect(await replayEvent(id)).toMatchObject({ ok: false, code: "not_dead" }) // already due
    await drainBillingEvents()
    expect((await eventRow(id)).processed_at).not.toBeNull()
    expect(await listEvents(parseEventFilter({ state: "processed", customer: customerId }))).toMatchObject([{ id }])
    const rows = await auditRows("event.replay", id)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({ actor_email: email, detail: { replayed: 1 } })
    expect(rows[0].actor_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(rows[0].created_at.getTime()).toBeGreaterThan(Date.now() - 60_000)
  })

  it("replays every dead one", async () => {
    const email = await account()
    await grantAdmin(email)
    await signIn(email)
    const a = await deadEvent()
    const b = await deadEvent()
    const result = await replayAllDead()
    expect(result).toMatchObject({ ok: true })
    expect(result.ok && result.replayed).toBeGreaterThanOrEqual(2)
    await drainBillingEvents()
    for (const e of [a, b]) expect((await eventRow(e.id)).processed_at).not.toBeNull()
    const [row] = (await sql().query("select * from admin_audit_log where action = 'event.replay_dead' and actor_email = $1", [email])).rows
    expect(row).toMatchObject({ target: null })
  })
})

describe("the events page's inputs", () => {
  it("parses search params leniently: repeated values take the first, bad ones are dropped, never a throw", () => {
    expect(parseEventFilter({ state: ["dead", "pending"], type: "invoice.paid" })).toEqual({ state: "dead", type: "invoice.paid" })
    expect(parseEventFilter({ state: "exploded", customer: "'; drop table x", event: "evt_1" })).toEqual({ event: "evt_1" })
    expect(parseEventFilter({ type: ["x".repeat(500)] })).toEqual({})
    expect(parseEventFilter({})).toEqual({})
  })

  it("shows one event with personal data masked and its attempts and error", async () => {
    const { id } = await deadEvent()
    const e = await getEvent(id)
    expect(e).toMatchObject({ id, state: "dead", attempts: 16, error: "injected" })
    expect(JSON.stringify(e?.payload)).not.toMatch(/@example\.com/)
    expect(redactPayload({ data: { object: { email: "a@b.c", customer_details: { name: "A" }, id: "cus_1", name: null } } })).toEqual({
      data: { object: { email: "[redacted]", customer_details: "[redacted]", id: "cus_1", name: null } },
    })
    expect(await getEvent("evt_missing")).toBeNull()
  })

  it("filters by the recorded outcome as a literal prefix (LIKE's `_` escaped)", async () => {
    const customer = `cus_outcome${Date.now()}`
    const insert = (id: string, outcome: string | null) =>
      sql().query(
        `insert into subscription_events (stripe_event_id, type, stripe_created_at, payload, customer_id, processed_at, outcome)
         values ($1, 'customer.subscription.updated', now(), '{}', $2, case when $3::text is null then null else now() end, $3)`,
        [`evt_${id}${Date.now()}`, customer, outcome],
      )
    await insert("a", "synced_active")
    await insert("b", "syncedXactive")
    await insert("c", "ignored_unknown_customer")
    await insert("d", null)
    const outcomes = async (outcome: string | string[]) =>
      (await listEvents(parseEventFilter({ customer, outcome }))).map((e) => e.outcome).sort()
    expect(await outcomes("synced_active")).toEqual(["synced_active"])
    expect(await outcomes("synced")).toEqual(["syncedXactive", "synced_active"])
    expect(await outcomes(["ignored", "synced"])).toEqual(["ignored_unknown_customer"])
    expect(await outcomes("%")).toHaveLength(4) // not an outcome: dropped, the list is unfiltered
  })
})

describe("the dev stack's admin", () => {
  it("is seeded through the Auth admin API with app_metadata.role = admin, idempotently, and can sign in", async () => {
    const seed = { email: uniqueEmail("devadmin"), password: "dev-password-1" }
    const key = await apiKey(LOCAL_JWT_SECRET, "service_role")
    const first = await seedDevAdmin(auth.url, key, seed)
    expect(first.created).toBe(true)
    expect(await seedDevAdmin(auth.url, key, seed)).toEqual({ created: false, userId: first.userId })
    jar.clear()
    const { data, error } = await (await createClient()).auth.signInWithPassword(seed)
    expect(error).toBeNull()
    expect(data.user?.app_metadata.role).toBe("admin")
    expect(DEV_ADMIN.email).toBe("admin@subkit.local")
  })
})
