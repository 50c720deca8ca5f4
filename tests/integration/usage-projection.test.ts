// The projected usage charge from Stripe's invoice preview (not the catalog's unit price): a Pro
// subscription with its metered item on the emulator, usage recorded and sent by the outbox, a credit
// grant; the projection is the preview's metered lines less the credits, and it is cached for a minute.
import { afterAll, describe, expect, it } from "vitest"
import { createUser, sql, stripeClient } from "../support/helpers"

const { recordUsage } = await import("@/lib/billing/usage/ledger")
const { flushUsageOutbox } = await import("@/lib/billing/usage/outbox")
const { projectedUsageCharge } = await import("@/lib/billing/usage/projection")
const { USAGE_METERS, meteredLookupKey } = await import("@/lib/billing/catalog")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
})

describe("projectedUsageCharge", () => {
  it("is the preview's metered lines (graduated: past 500 at 5 cents) less the credits that would apply", async () => {
    const stripe = stripeClient()
    const user = await createUser()
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
    const customer = await stripe.customers.create({ email: user.email, test_clock: clock.id, payment_method: "pm_card_visa" })
    const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]?.id
    const [plan] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data
    const [metered] = (await stripe.prices.list({ lookup_keys: [meteredLookupKey("pro", "reports", "month")] })).data
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: plan?.id ?? "" }, { price: metered?.id ?? "" }],
      default_payment_method: pm,
    })
    const item = sub.items.data[0]
    await sql().query(
      `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, quantity, status, current_period_start, current_period_end, stripe_created_at)
       values ($1, $2, $3, 'pro', 1, 'active', to_timestamp($4), to_timestamp($5), now())`,
      [sub.id, user.id, customer.id, item?.current_period_start, item?.current_period_end],
    )
    const included = USAGE_METERS.reports.pro.included
    await recordUsage({ userId: user.id, meter: "reports", value: included + 40, idempotencyKey: "proj-1" })
    // Only this customer's rows: other tests' pending rows stay out of the flush.
    await sql().query(
      "update public.usage_outbox set next_attempt_at = now() + interval '1 day' where stripe_customer_id <> $1 and status = 'pending'",
      [customer.id],
    )
    expect((await flushUsageOutbox()).failed).toBe(0)
    const t0 = Date.now()
    expect(await projectedUsageCharge(user.id, t0)).toEqual({ cents: 40 * 5, credits: 0, net: 200 })
    await stripe.billing.creditGrants.create({
      customer: customer.id,
      category: "paid",
      amount: { type: "monetary", monetary: { currency: "usd", value: 150 } },
      applicability_config: { scope: { price_type: "metered" } },
    })
    // Cached for a minute per subscription; then Stripe's preview nets the credit.
    expect((await projectedUsageCharge(user.id, t0 + 1000))?.net).toBe(200)
    expect(await projectedUsageCharge(user.id, t0 + 61_000)).toEqual({ cents: 200, credits: 150, net: 50 })
  })
})
