// Reconciliation on the real Postgres and the Stripe emulator: drift injected behind the app's back (a row
// edited, a row Stripe never had, a Stripe change whose webhook was never delivered) is found by listing
// Stripe's subscriptions and fixed through the per-customer sync; every step stays within its call budget
// and ≤ 10 requests in any second (counted on the app's own Stripe client); a run resumes from its cursor.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sql, stripeClient } from "../support/helpers"

const { subscribedUser } = await import("../support/billing")
const { syncUserNow } = await import("@/lib/billing/sync/eager")
const { reconcileStep, reconcileDue, runFindings } = await import("@/lib/billing/sync/reconcile")
const { stripe: appStripe } = await import("@/lib/stripe/config")
const { pool } = await import("@/lib/db/client")

// Every request the app's Stripe client sends (the reconciliation and the syncs it runs use it).
const requests: number[] = []
const onRequest = () => requests.push(Date.now())
beforeAll(() => appStripe.on("request", onRequest))
afterAll(async () => {
  appStripe.off("request", onRequest)
  await pool.end()
})

/** Steps until the open run finishes: each step's requests counted, and the busiest second of all of them. */
async function runToEnd(maxCalls: number) {
  const perStep: number[] = []
  const from = requests.length
  for (let i = 0; i < 500; i++) {
    const before = requests.length
    const report = await reconcileStep({ trigger: "test", maxCalls, rps: 10, start: i === 0 })
    perStep.push(requests.length - before)
    expect(report.calls).toBeLessThanOrEqual(maxCalls)
    if (report.finished) return { report, perStep, busiest: busiestSecond(requests.slice(from)) }
  }
  throw new Error("the run did not finish in 500 steps")
}

function busiestSecond(stamps: number[]) {
  let max = 0
  for (let i = 0, j = 0; j < stamps.length; j++) {
    while ((stamps[j] ?? 0) - (stamps[i] ?? 0) >= 1000) i++
    max = Math.max(max, j - i + 1)
  }
  return max
}

const row = async (id: string) =>
  (await sql().query("select status, quantity, cancel_at_period_end from user_subscriptions where stripe_subscription_id = $1", [id]))
    .rows[0]

describe("reconciliation", () => {
  it("finds and fixes an edited row and a dropped event, reports a row Stripe never had, within budget", async () => {
    const edited = await subscribedUser()
    const dropped = await subscribedUser()
    const clean = await subscribedUser()
    for (const s of [edited, dropped, clean]) expect(await syncUserNow(s.user.id, { force: true })).toEqual({ status: "synced" })
    // Behind the app's back: a row edited in Postgres; a Stripe change whose webhook is never delivered;
    // a row for a subscription Stripe does not have.
    await sql().query("update user_subscriptions set status = 'past_due', quantity = 4 where stripe_subscription_id = $1", [
      edited.subscriptionId,
    ])
    await dropped.stripe.subscriptions.update(dropped.subscriptionId, { cancel_at_period_end: true })
    const ghost = `sub_ghost${Date.now()}`
    await sql().query(
      `insert into user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, stripe_created_at, created_at)
       values ($1, $2, $3, 'active', now() - interval '1 day', now() - interval '1 day')`,
      [ghost, clean.user.id, clean.customerId],
    )
    expect(await row(dropped.subscriptionId)).toMatchObject({ cancel_at_period_end: false })

    const { report, perStep, busiest } = await runToEnd(7)
    expect(report.finished).toBe(true)
    expect(Math.max(...perStep)).toBeLessThanOrEqual(7)
    expect(busiest).toBeLessThanOrEqual(10)

    expect(await row(edited.subscriptionId)).toEqual({ status: "active", quantity: 1, cancel_at_period_end: false })
    expect(await row(dropped.subscriptionId)).toMatchObject({ status: "active", cancel_at_period_end: true })
    const findings = await runFindings(Number(report.runId), 10_000)
    const of = (customer: string) => findings.filter((f) => f.customer === customer)
    expect(of(edited.customerId)).toMatchObject([
      {
        fixed: true,
        differences: expect.arrayContaining([
          { subscription: edited.subscriptionId, field: "status", ours: "past_due", stripe: "active" },
          { subscription: edited.subscriptionId, field: "quantity", ours: 4, stripe: 1 },
        ]),
      },
    ])
    expect(of(dropped.customerId)).toMatchObject([
      {
        error: null,
        fixed: true,
        differences: expect.arrayContaining([
          { subscription: dropped.subscriptionId, field: "cancelAtPeriodEnd", ours: false, stripe: true },
        ]),
      },
    ])
    expect(of(clean.customerId)).toMatchObject([
      { fixed: false, differences: [{ subscription: ghost, field: "listed" }], error: expect.stringMatching(/Stripe does not list it/) },
    ])
    // The seen set is dropped once the run ends; the next daily run is not due yet.
    expect((await sql().query("select count(*)::int n from reconcile_seen where run_id = $1", [report.runId])).rows[0].n).toBe(0)
    expect(await reconcileDue()).toBe(false)
    await sql().query("update reconcile_runs set started_at = started_at - interval '25 hours'")
    expect(await reconcileDue()).toBe(true)
    await sql().query("delete from user_subscriptions where stripe_subscription_id = $1", [ghost])
  })

  it("resumes from the cursor saved in Postgres: the next step lists the page after the last one", async () => {
    for (const s of [await subscribedUser(), await subscribedUser()]) await syncUserNow(s.user.id, { force: true })
    const first = await reconcileStep({ trigger: "test", maxCalls: 1, rps: 10, pageSize: 1 })
    expect(first).toMatchObject({ finished: false, phase: "subscriptions", calls: 1 })
    const [run1] = (await sql().query("select * from reconcile_runs where id = $1", [first.runId])).rows
    expect(run1).toMatchObject({ subscriptions_checked: 1, stripe_calls: 1, lease_owner: null })
    const next = await reconcileStep({ trigger: "test", maxCalls: 1, rps: 10, pageSize: 1, start: false })
    expect(next.runId).toBe(first.runId)
    const [run2] = (await sql().query("select * from reconcile_runs where id = $1", [first.runId])).rows
    const expected = await stripeClient().subscriptions.list({ status: "all", limit: 1, starting_after: run1.cursor })
    expect(run2).toMatchObject({ subscriptions_checked: 2, stripe_calls: 2, cursor: expected.data[0]?.id })
    // A step while another holds the lease does nothing.
    await sql().query("update reconcile_runs set lease_owner = 'other', lease_until = now() + interval '1 minute' where id = $1", [
      first.runId,
    ])
    expect(await reconcileStep({ trigger: "test", start: true })).toMatchObject({ runId: null, skipped: "busy" })
    await sql().query("update reconcile_runs set lease_owner = null, lease_until = null where id = $1", [first.runId])
    expect((await runToEnd(60)).report.finished).toBe(true)
  })
})
