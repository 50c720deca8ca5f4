// The usage outbox against the Stripe emulator: 1,000 usage events reach Stripe's meter in one call,
// a batch re-sent after a crash is counted once (its identifier), a failing batch retries with backoff
// and ends dead, and the reconciliation finds drift between the ledger and Stripe's summaries.
import { randomUUID } from "node:crypto"
import { afterAll, describe, expect, it } from "vitest"
import { createUser, sql, stripeClient } from "../support/helpers"

const { recordUsage } = await import("@/lib/billing/usage/ledger")
const { flushUsageOutbox, usageOutboxSummary, retryDeadUsage, USAGE_BATCH_ROWS, usageBatchMaxAgeSeconds } =
  await import("@/lib/billing/usage/outbox")
const { reconcileUsage } = await import("@/lib/billing/usage/reconcile")
const { ensureMeter, meterTotal } = await import("@/lib/stripe/meters")
const { USAGE_METERS } = await import("@/lib/billing/catalog")
const { env } = await import("@/lib/env")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
})

async function proUser() {
  const stripe = stripeClient()
  const user = await createUser()
  // On a test clock frozen at the real now: earlier suites advance the emulator's own timeline by weeks,
  // and Stripe refuses meter events more than 35 days before the customer's time.
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({ email: user.email, test_clock: clock.id })
  await sql().query(
    `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, quantity, status, current_period_start, current_period_end, stripe_created_at)
     values ($1, $2, $3, 'pro', 1, 'active', now() - interval '1 day', now() + interval '29 days', now())`,
    [`sub_usage_${randomUUID().slice(0, 8)}`, user.id, customer.id],
  )
  return { user, customer: customer.id }
}

const window = () => ({ start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 120_000) })
/** Only this test's rows are due: other tests' rows stay out of its flushes. */
const onlyDue = (customer: string) =>
  sql().query(
    "update public.usage_outbox set next_attempt_at = now() + interval '1 day' where stripe_customer_id <> $1 and status = 'pending'",
    [customer],
  )

describe("usage outbox → Stripe meter", () => {
  it("sends 1,000 usage events as one meter event, and the ledger equals Stripe's summary", async () => {
    await ensureMeter(USAGE_METERS.reports.eventName, USAGE_METERS.reports.name)
    const { user, customer } = await proUser()
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 1000) await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `o${next++}` })
      }),
    )
    await onlyDue(customer)
    const report = await flushUsageOutbox()
    expect(report).toMatchObject({ rows: 1000, batches: 1, stripeCalls: 1, units: 1000, failed: 0 })
    const { start, end } = window()
    const rec = await reconcileUsage("reports", start, end)
    expect(rec.drift.filter((d) => d.customer === customer)).toEqual([])
  })

  it("a batch sent again after a crash (Stripe had it) is counted once; drift is reported when the ledger and Stripe differ", async () => {
    const { user, customer } = await proUser()
    await recordUsage({ userId: user.id, meter: "reports", value: 5, idempotencyKey: "a" })
    await onlyDue(customer)
    expect(await flushUsageOutbox()).toMatchObject({ stripeCalls: 1, units: 5 })
    // The drain died after Stripe accepted but before it marked the rows: they are pending again.
    await sql().query("update public.usage_outbox set status = 'pending', sent_at = null where stripe_customer_id = $1", [customer])
    expect(await flushUsageOutbox()).toMatchObject({ stripeCalls: 1, failed: 0, units: 5 })
    const { start, end } = window()
    expect((await reconcileUsage("reports", start, end)).drift.filter((d) => d.customer === customer)).toEqual([])
    // A row marked sent that never reached Stripe is drift.
    await sql().query("insert into public.usage_outbox (stripe_customer_id, meter, value, status) values ($1, 'reports', 3, 'sent')", [
      customer,
    ])
    expect((await reconcileUsage("reports", start, end)).drift.filter((d) => d.customer === customer)).toEqual([
      { customer, meter: "reports", ledger: 8, stripe: 5, unsent: 0 },
    ])
  })

  it("a failing batch is retried with backoff and ends dead after the maximum attempts; retry-dead makes it due", async () => {
    const customer = `cus_missing_${randomUUID().slice(0, 8)}`
    await sql().query("insert into public.usage_outbox (stripe_customer_id, meter, value) values ($1, 'retired_meter', 2)", [customer])
    await onlyDue(customer)
    const first = await flushUsageOutbox()
    expect(first).toMatchObject({ failed: 1, dead: 0 })
    const [row] = (
      await sql().query<{ attempts: number; wait: number; last_error: string }>(
        "select attempts, extract(epoch from next_attempt_at - now())::float8 wait, last_error from public.usage_outbox where stripe_customer_id = $1",
        [customer],
      )
    ).rows
    expect(row).toMatchObject({ attempts: 1, last_error: "unknown meter retired_meter" })
    expect(row?.wait).toBeGreaterThan(0.5)
    // Not due again before its backoff.
    expect((await flushUsageOutbox()).rows).toBe(0)
    for (let i = 1; i < env.billing.maxAttempts; i++) {
      await sql().query("update public.usage_outbox set next_attempt_at = now() where stripe_customer_id = $1", [customer])
      await flushUsageOutbox()
    }
    const summary = await usageOutboxSummary()
    expect(summary.dead.rows.map((r) => r.customer)).toContain(customer)
    expect(await retryDeadUsage()).toBeGreaterThanOrEqual(1)
    await sql().query("delete from public.usage_outbox where stripe_customer_id = $1", [customer])
  })

  it("an abandoned batch is taken over whole: its identifier never carries a part of it", async () => {
    const { customer } = await proUser()
    // A drain claimed three rows as one batch and died before Stripe had it; its lease has run out.
    const batch = `usage_abandoned_${randomUUID().slice(0, 8)}`
    for (const value of [1, 2, 4])
      await sql().query(
        `insert into public.usage_outbox (stripe_customer_id, meter, value, batch_id, claimed_until, created_at)
         values ($1, 'reports', $2, $3, now() - interval '1 second', now() - interval '2 minutes')`,
        [customer, value, batch],
      )
    await onlyDue(customer)
    // Room for fewer rows than the batch has: a part sent under the batch's identifier, and the whole
    // batch marked sent, lost the rest (3 of 7 reached Stripe before the fix).
    expect(await flushUsageOutbox({ limit: 2 })).toMatchObject({ batches: 1, rows: 3, units: 7, stripeCalls: 1, failed: 0 })
    await flushUsageOutbox()
    const { start, end } = window()
    expect(await meterTotal(USAGE_METERS.reports.eventName, customer, start.getTime() / 1000, end.getTime() / 1000)).toBe(7)
    expect((await reconcileUsage("reports", start, end)).drift.filter((d) => d.customer === customer)).toEqual([])
  })

  it("after() and the cron send a customer's usage once it is worth a call: a full batch, or its oldest row old enough", async () => {
    const { user, customer } = await proUser()
    for (let i = 0; i < 5; i++) await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `young${i}` })
    await onlyDue(customer)
    // Five young rows wait (a call for five events would be 200 per 1,000).
    expect(await flushUsageOutbox({ ripeOnly: true })).toMatchObject({ rows: 0, stripeCalls: 0 })
    await sql().query(
      "update public.usage_outbox set created_at = now() - make_interval(secs => $2) where stripe_customer_id = $1 and status = 'pending'",
      [customer, usageBatchMaxAgeSeconds() + 1],
    )
    expect(await flushUsageOutbox({ ripeOnly: true })).toMatchObject({ rows: 5, batches: 1, stripeCalls: 1, units: 5 })
    // A full batch goes at once, however young.
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < USAGE_BATCH_ROWS) await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `full${next++}` })
      }),
    )
    await onlyDue(customer)
    expect(await flushUsageOutbox({ ripeOnly: true })).toMatchObject({ rows: USAGE_BATCH_ROWS, batches: 1, stripeCalls: 1 })
    const { start, end } = window()
    expect(await meterTotal(USAGE_METERS.reports.eventName, customer, start.getTime() / 1000, end.getTime() / 1000)).toBe(
      5 + USAGE_BATCH_ROWS,
    )
  })

  it("times a meter event inside the ledger period it was counted in, when Stripe's clock is elsewhere (a test clock 40 days ahead)", async () => {
    await ensureMeter(USAGE_METERS.reports.eventName, USAGE_METERS.reports.name)
    const stripe = stripeClient()
    const user = await createUser()
    const ahead = Math.floor(Date.now() / 1000) + 40 * 86_400
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: ahead })
    const customer = (await stripe.customers.create({ email: user.email, test_clock: clock.id })).id
    // The subscription's period as Stripe (the clock) has it: the ledger counts the usage in that period.
    await sql().query(
      `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, quantity, status, current_period_start, current_period_end, stripe_created_at)
       values ($1, $2, $3, 'pro', 1, 'active', to_timestamp($4) - interval '1 day', to_timestamp($4) + interval '29 days', to_timestamp($4) - interval '1 day')`,
      [`sub_usage_${randomUUID().slice(0, 8)}`, user.id, customer, ahead],
    )
    expect(await recordUsage({ userId: user.id, meter: "reports", value: 7, idempotencyKey: "ahead" })).toMatchObject({ used: 7 })
    await onlyDue(customer)
    // With the app's own (wall-clock) time the event lies 40 days before the customer's time: Stripe refuses it.
    expect(await flushUsageOutbox()).toMatchObject({ rows: 1, stripeCalls: 1, units: 7, failed: 0 })
    expect(await meterTotal(USAGE_METERS.reports.eventName, customer, ahead - 2 * 86_400, ahead + 60)).toBe(7)
  })
})
