// /admin/customers on the real Postgres, the Stripe emulator and the auth emulator: search by email or
// Stripe id prefix (LIKE's wildcards literal), one customer's rows, usage and events, the Dashboard link,
// and "Sync now" repairing a row edited behind the app's back, audited; a non-admin gets a 404.
import { afterAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { adminClient, startTestAuth, uniqueEmail } from "../support/auth-emulator"
import { sql } from "../support/helpers"
import { jar } from "../support/cookie-jar"

vi.mock("next/headers", () => import("../support/cookie-jar"))
vi.mock("next/cache", () => ({ revalidatePath: () => {} }))

const auth = await startTestAuth()
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { subscribedUser } = await import("../support/billing")
const { grantAdmin } = await import("@/lib/auth/admin-grant")
const { syncCustomer, startReconciliation } = await import("@/lib/actions/admin")
const { searchCustomers, getCustomerDetail, stripeDashboardUrl, parseCustomerSearch } = await import("@/lib/billing/admin/customers")
const { syncUserNow } = await import("@/lib/billing/sync/eager")
const { recordUsage } = await import("@/lib/billing/usage/ledger")
const { createClient } = await import("@/lib/supabase/server")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

async function signInAs({ admin }: { admin: boolean }) {
  const email = uniqueEmail("ops")
  const { error } = await (await adminClient(auth.url)).auth.admin.createUser({ email, password: "password-123", email_confirm: true })
  if (error) throw error
  if (admin) await grantAdmin(email)
  jar.clear()
  const signed = await (await createClient()).auth.signInWithPassword({ email, password: "password-123" })
  if (signed.error) throw signed.error
  return email
}

async function syncedCustomer() {
  const s = await subscribedUser()
  expect(await syncUserNow(s.user.id, { force: true })).toEqual({ status: "synced" })
  return s
}

describe("finding a customer", () => {
  it("by a prefix of the account's email (case-insensitive) or of the Stripe customer id; wildcards typed are literal", async () => {
    const { user, customerId } = await syncedCustomer()
    const prefix = user.email.slice(0, 14).toUpperCase()
    expect((await searchCustomers(prefix)).map((h) => h.userId)).toContain(user.id)
    expect(await searchCustomers(customerId)).toEqual([
      { userId: user.id, email: user.email, stripeCustomerId: customerId, status: "active" },
    ])
    expect(await searchCustomers("%")).toEqual([]) // not "every customer"
    expect(await searchCustomers("user_")).toEqual([]) // `_` is not "any character": no email starts with "user_"
    expect(parseCustomerSearch({ q: ["  ab  ", "x"] })).toEqual({ q: "ab" })
    expect(parseCustomerSearch({ q: "a" })).toEqual({})
  })
})

describe("one customer's page", () => {
  it("shows the subscription rows, entitlements, usage, recent events and the Dashboard link (test mode)", async () => {
    const { user, customerId, subscriptionId } = await syncedCustomer()
    await recordUsage({ userId: user.id, meter: "reports", value: 3, idempotencyKey: "k1" })
    await sql().query(
      `insert into subscription_events (stripe_event_id, type, stripe_created_at, payload, customer_id, processed_at, outcome)
       values ($1, 'customer.subscription.updated', now(), '{}', $2, now(), 'synced_active')`,
      [`evt_page${Date.now()}`, customerId],
    )
    const c = await getCustomerDetail(user.id)
    expect(c).toMatchObject({
      userId: user.id,
      email: user.email,
      customer: { stripeCustomerId: customerId, dashboardUrl: `https://dashboard.stripe.com/test/customers/${customerId}` },
      subscriptions: [{ id: subscriptionId, planId: "pro", status: "active", quantity: 1 }],
      usage: [{ meter: "reports", used: 3 }],
      events: [{ outcome: "synced_active", state: "processed" }],
      team: null,
    })
    expect(c?.entitlements.length).toBeGreaterThan(0)
    expect(stripeDashboardUrl("cus_1", "sk_live_x")).toBe("https://dashboard.stripe.com/customers/cus_1")
    expect(stripeDashboardUrl("cus_1", "rk_test_x")).toBe("https://dashboard.stripe.com/test/customers/cus_1")
    expect(await getCustomerDetail("not-a-uuid")).toBeNull()
    expect(await getCustomerDetail("00000000-0000-4000-8000-000000000000")).toBeNull()
  })
})

describe("Sync now", () => {
  it("is a 404 to a non-admin", async () => {
    const { user } = await syncedCustomer()
    await signInAs({ admin: false })
    await expect(syncCustomer(user.id)).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" })
  })

  it("re-reads Stripe through the per-customer sync and repairs a row edited behind the app's back, audited", async () => {
    const { user, customerId, subscriptionId } = await syncedCustomer()
    await sql().query("update user_subscriptions set status = 'canceled', quantity = 7 where stripe_subscription_id = $1", [subscriptionId])
    const email = await signInAs({ admin: true })
    expect(await syncCustomer("nope")).toMatchObject({ ok: false, code: "invalid_user" })
    expect(await syncCustomer(user.id)).toEqual({ ok: true, status: "synced" })
    const { rows } = await sql().query("select status, quantity from user_subscriptions where stripe_subscription_id = $1", [
      subscriptionId,
    ])
    expect(rows[0]).toEqual({ status: "active", quantity: 1 })
    const audit = await sql().query("select * from admin_audit_log where action = 'customer.sync' and target = $1", [customerId])
    expect(audit.rows).toMatchObject([{ actor_email: email, detail: { status: "synced" } }])
  })
})

describe("Reconcile now", () => {
  it("opens one run for the cron to work through (no Stripe call on the request), audited; a 404 to a non-admin", async () => {
    await signInAs({ admin: false })
    await expect(startReconciliation()).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" })
    const email = await signInAs({ admin: true })
    // Whatever run another test left open is closed first, so this one is the admin's.
    await sql().query("update reconcile_runs set finished_at = now(), phase = 'done' where finished_at is null")
    const first = await startReconciliation()
    expect(first).toMatchObject({ ok: true, created: true })
    const again = await startReconciliation()
    expect(again).toMatchObject({ ok: true, created: false, runId: first.ok ? first.runId : -1 })
    const { rows } = await sql().query("select trigger, stripe_calls from reconcile_runs where finished_at is null")
    expect(rows).toEqual([{ trigger: "admin", stripe_calls: 0 }])
    const audit = await sql().query(
      "select detail from admin_audit_log where action = 'reconcile.start' and actor_email = $1 order by id",
      [email],
    )
    expect(audit.rows.map((r) => r.detail)).toEqual([{ created: true }, { created: false }])
    await sql().query("update reconcile_runs set finished_at = now(), phase = 'done' where finished_at is null")
  })
})
