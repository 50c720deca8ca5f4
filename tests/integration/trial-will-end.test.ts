// customer.subscription.trial_will_end goes through the inbox and the drain, is recorded, and turns the
// manage page's trial notice into the "ends soon" banner; at the end the trial becomes active and charged.
import { afterAll, describe, expect, it } from "vitest"
import { drainBillingEvents } from "@/lib/billing/drain"
import { loadManageView } from "@/lib/billing/manage-view"
import { receiveStripeWebhook } from "@/lib/billing/receive-webhook"
import { pool } from "@/lib/db/client"
import { createUser, eventsFor, signedRequest, sql, stripeClient } from "../support/helpers"

afterAll(() => pool.end())

const DAY = 86_400

async function deliver(customer: string) {
  for (const e of await eventsFor(stripeClient(), customer))
    await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
  await drainBillingEvents()
}

async function advance(clock: string, to: number) {
  const stripe = stripeClient()
  let now = await stripe.testHelpers.testClocks.advance(clock, { frozen_time: to })
  for (let i = 0; i < 200 && now.status !== "ready"; i++) {
    await new Promise((r) => setTimeout(r, 20))
    now = await stripe.testHelpers.testClocks.retrieve(clock)
  }
}

describe("trial_will_end through the inbox", () => {
  it("trialing → notice; 3 days before → recorded and the banner; at the end → active and charged", async () => {
    const stripe = stripeClient()
    const user = await createUser()
    const start = Math.floor(Date.now() / 1000)
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start })
    const customer = await stripe.customers.create({
      email: user.email ?? undefined,
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      metadata: { user_id: user.id },
    })
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id ?? ""
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } })
    await sql().query("insert into billing_customers (user_id, stripe_customer_id) values ($1, $2)", [user.id, customer.id])
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      trial_period_days: 14,
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliver(customer.id)

    const trialing = await loadManageView(user.id)
    if (trialing.kind !== "live") throw new Error(`expected a live subscription, got ${trialing.kind}`)
    expect(trialing.trial?.endsOn).toBe(
      new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date((start + 14 * DAY) * 1000)),
    )
    expect(trialing.trial?.then).toBe("Your card will then be charged $15.00 / month.")
    expect(trialing.trialEndingSoon).toBe(false)

    await advance(clock.id, start + 11 * DAY + 60)
    await deliver(customer.id)
    const recorded = await sql().query(
      "select outcome, processed_at from subscription_events where type = 'customer.subscription.trial_will_end' and customer_id = $1",
      [customer.id],
    )
    expect(recorded.rows).toHaveLength(1)
    expect(recorded.rows[0].processed_at).not.toBeNull()
    const soon = await loadManageView(user.id)
    expect(soon.kind === "live" && soon.trialEndingSoon).toBe(true)

    await advance(clock.id, start + 14 * DAY + 60)
    await deliver(customer.id)
    const after = await loadManageView(user.id)
    expect(after.kind === "live" && after.trial).toBe(null)
    expect((await sql().query("select status from user_subscriptions where stripe_subscription_id = $1", [sub.id])).rows[0].status).toBe(
      "active",
    )
    const invoices = (await stripe.invoices.list({ subscription: sub.id })).data
    expect(invoices[0]).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 1500 })
  })
})
