// "Your card will then be charged …" during a trial is what Stripe will charge (issue 23, item 8): the
// sync reads Stripe's invoice preview (invoices.createPreview: the promotion code, every seat, tax) when
// it applies the subscription's events and keeps it on the row (upcoming_amount); the pages read the row.
// A Team trial with 3 seats and 20% off: $28.80, not price × quantity ($36.00); a seat change re-reads
// it; and the charge at the trial's end is that amount.
import { afterAll, describe, expect, it } from "vitest"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { advanceTestClock, createUser, customerOnTestClock, sql } from "../support/helpers"

afterAll(() => pool.end())

const DAY = 86_400

async function trialNotice(userId: string) {
  const view = await loadManageView(userId)
  if (view.kind !== "live") throw new Error(`expected a live subscription, got ${view.kind}`)
  return view.trial?.then
}

const upcoming = async (subscriptionId: string) =>
  (
    await sql().query<{ upcoming_amount: number | null; upcoming_currency: string | null; upcoming_at: Date | null }>(
      "select upcoming_amount, upcoming_currency, upcoming_at from user_subscriptions where stripe_subscription_id = $1",
      [subscriptionId],
    )
  ).rows[0]

describe("the first charge after a trial", () => {
  it("is Stripe's preview, kept by the sync: a promotion code and seats included, refreshed on a change, and charged", async () => {
    const user = await createUser()
    const { stripe, start, clock, customer } = await customerOnTestClock(user)
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_team_monthly"] })).data[0]?.id ?? ""
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3 })
    const code = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id } })
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price, quantity: 3 }],
      trial_period_days: 14,
      discounts: [{ promotion_code: code.id }],
      metadata: { user_id: user.id, plan_id: "team" },
    })
    await deliverCustomerEvents(customer.id)

    // 3 seats × $12.00 = $36.00, less 20%: $28.80.
    expect(await upcoming(sub.id)).toEqual({
      upcoming_amount: 2880,
      upcoming_currency: "usd",
      upcoming_at: new Date((start + 14 * DAY) * 1000),
    })
    expect(await trialNotice(user.id)).toBe("Your card will then be charged $28.80.")

    // A seat change is a subscription event: the drain reads the preview again.
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]?.id ?? "", quantity: 2 }], proration_behavior: "none" })
    await deliverCustomerEvents(customer.id)
    expect(await trialNotice(user.id)).toBe("Your card will then be charged $19.20.")

    // At the trial's end Stripe charges exactly that; the 3-month discount is still on, so the row keeps
    // the preview of the next renewal (the same $19.20, a month on).
    await advanceTestClock(stripe, clock.id, start + 14 * DAY + 3600)
    await deliverCustomerEvents(customer.id)
    const first = (await stripe.invoices.list({ subscription: sub.id })).data.find((i) => i.billing_reason === "subscription_cycle")
    expect(first?.amount_paid).toBe(1920)
    const periodEnd = (await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.current_period_end ?? 0
    expect(await upcoming(sub.id)).toMatchObject({ upcoming_amount: 1920, upcoming_at: new Date(periodEnd * 1000) })
    // Every event applied at the first try: the preview never failed a read.
    const events = await sql().query(
      "select type, attempts, error from subscription_events where customer_id = $1 and (attempts > 0 or error is not null or processed_at is null)",
      [customer.id],
    )
    expect(events.rows).toEqual([])
  })
})
