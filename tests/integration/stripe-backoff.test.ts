// Stripe's rate limit is per account: a 429 seen by one drain holds back every drain (on every
// instance) until the backoff is over, Retry-After honoured; customers already claimed are given back
// untouched instead of each spending another call on a limit Stripe already said is spent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type Stripe from "stripe"
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { resetLocalBackoff } from "@/lib/billing/sync/stripe-backoff"
import { pool } from "@/lib/db/client"
import { clearStripeBackoff, eventsFor, faults, signedRequest, sql } from "../support/helpers"
import { subscribedUser } from "../support/billing"

// Other files share this database and may leave due events: this file's drains must see only its own.
let parked: string[] = []
beforeAll(async () => {
  const { rows } = await sql().query(
    "update subscription_events set next_attempt_at = now() + interval '1 day' where processed_at is null and dead_at is null and next_attempt_at <= now() returning stripe_event_id",
  )
  parked = rows.map((r) => r.stripe_event_id)
})
afterAll(async () => {
  await sql().query("update subscription_events set next_attempt_at = now() where stripe_event_id = any($1)", [parked])
  await pool.end()
})
afterEach(async () => {
  await faults.clear()
  await clearStripeBackoff()
})

async function storedUpdate() {
  const { customerId, subscriptionId, stripe } = await subscribedUser()
  const [updated] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.updated")
  if (!updated) throw new Error("no customer.subscription.updated event")
  await sql().query("delete from subscription_events where stripe_event_id = $1", [updated.id])
  await receiveStripeWebhook(signedRequest(JSON.stringify(updated)), { schedule: () => {} })
  return { updated: updated as Stripe.Event, customerId, subscriptionId }
}
const eventRow = async (id: string) => (await sql().query("select * from subscription_events where stripe_event_id = $1", [id])).rows[0]

describe("a 429 from Stripe", () => {
  it("holds back every drain until Retry-After has passed, then the event is applied", async () => {
    const { updated } = await storedUpdate()
    await faults.add({ status: 429, count: 1, path: "/v1/subscriptions", headers: { "retry-after": "3" } })
    const first = await drainBillingEvents()
    expect(first.rateLimited).toBe(true)
    const { rows } = await sql().query("select extract(epoch from until - now())::float8 s, strikes from stripe_backoff")
    expect(rows[0].s).toBeGreaterThan(2.5)
    expect(rows[0].s).toBeLessThanOrEqual(3.1)
    expect(rows[0].strikes).toBe(1)

    // Another instance (no local copy of the backoff), the event due again: it claims nothing and calls nobody.
    resetLocalBackoff()
    await sql().query("update subscription_events set next_attempt_at = now() where stripe_event_id = $1", [updated.id])
    const calls = await faults.calls()
    expect(await drainBillingEvents()).toMatchObject({ customers: 0, events: 0 })
    expect(await faults.calls()).toBe(calls)
    expect(await eventRow(updated.id)).toMatchObject({ processed_at: null, attempts: 1 })

    // Once the backoff is over, the drain applies it.
    await sql().query("update stripe_backoff set until = now()")
    resetLocalBackoff()
    expect(await drainBillingEvents()).toMatchObject({ customers: 1, events: 1, rateLimited: false })
    expect((await eventRow(updated.id)).outcome).toBe("synced_active")
  })

  it("gives the customers a drain already claimed back untouched, and a 429 in a row doubles the wait", async () => {
    const a = await storedUpdate()
    const b = await storedUpdate()
    await faults.add({ status: 429, count: 1, path: "/v1/subscriptions" })
    const report = await drainBillingEvents({ concurrency: 1 })
    expect(report).toMatchObject({ rateLimited: true, customers: 1, failed: 1, skipped: 1 })
    const attempts = [(await eventRow(a.updated.id)).attempts, (await eventRow(b.updated.id)).attempts].sort()
    expect(attempts).toEqual([0, 1]) // the skipped customer's event spent no attempt
    const leases = await sql().query("select lease_owner from customer_syncs where stripe_customer_id = any($1)", [
      [a.customerId, b.customerId],
    ])
    expect(leases.rows.map((r) => r.lease_owner)).toEqual([null, null])
    const first = (await sql().query("select strikes, extract(epoch from until - now())::float8 s from stripe_backoff")).rows[0]
    expect(first.strikes).toBe(1)
    expect(first.s).toBeLessThanOrEqual(1.05) // 0.5–1 s without Retry-After

    // The next 429 within a minute of the last backoff: strike 2, 1–2 s.
    await sql().query("update stripe_backoff set until = now()")
    resetLocalBackoff()
    await sql().query("update subscription_events set next_attempt_at = now() where stripe_event_id = any($1)", [
      [a.updated.id, b.updated.id],
    ])
    await faults.add({ status: 429, count: 1, path: "/v1/subscriptions" })
    await drainBillingEvents({ concurrency: 1 })
    const second = (await sql().query("select strikes, extract(epoch from until - now())::float8 s from stripe_backoff")).rows[0]
    expect(second.strikes).toBe(2)
    expect(second.s).toBeGreaterThan(0.9)
    expect(second.s).toBeLessThanOrEqual(2.05)
  })
})
