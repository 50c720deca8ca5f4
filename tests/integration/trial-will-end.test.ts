// customer.subscription.trial_will_end goes through the inbox and the drain, is recorded, and turns the
// manage page's trial notice into the "ends soon" banner; at the end the trial becomes active and charged.
import { afterAll, describe, expect, it } from "vitest"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { createUser, sql, stripeClient, advanceTestClock, customerOnTestClock } from "../support/helpers"

afterAll(() => pool.end())

const DAY = 86_400

describe("trial_will_end through the inbox", () => {
  it("trialing → notice; 3 days before → recorded and the banner; at the end → active and charged", async () => {
    const user = await createUser()
    const { stripe, start, clock, customer } = await customerOnTestClock(user)
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      trial_period_days: 14,
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)

    const trialing = await loadManageView(user.id)
    if (trialing.kind !== "live") throw new Error(`expected a live subscription, got ${trialing.kind}`)
    expect(trialing.trial?.endsOn).toBe(
      new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date((start + 14 * DAY) * 1000)),
    )
    expect(trialing.trial?.then).toBe("Your card will then be charged $15.00.") // price × quantity: no discount, no tax (lib/billing/views/charge.ts)
    expect(trialing.trialEndingSoon).toBe(false)

    await advanceTestClock(stripeClient(), clock.id, start + 11 * DAY + 60)
    await deliverCustomerEvents(customer.id)
    const recorded = await sql().query(
      "select outcome, processed_at from subscription_events where type = 'customer.subscription.trial_will_end' and customer_id = $1",
      [customer.id],
    )
    expect(recorded.rows).toHaveLength(1)
    expect(recorded.rows[0].processed_at).not.toBeNull()
    const soon = await loadManageView(user.id)
    expect(soon.kind === "live" && soon.trialEndingSoon).toBe(true)

    await advanceTestClock(stripeClient(), clock.id, start + 14 * DAY + 60)
    await deliverCustomerEvents(customer.id)
    const after = await loadManageView(user.id)
    expect(after.kind === "live" && after.trial).toBe(null)
    expect((await sql().query("select status from user_subscriptions where stripe_subscription_id = $1", [sub.id])).rows[0].status).toBe(
      "active",
    )
    const invoices = (await stripe.invoices.list({ subscription: sub.id })).data
    expect(invoices[0]).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 1500 })
  })
})
