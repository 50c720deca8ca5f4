// Free trials in the emulator, driven by test clocks as Stripe documents them: trialing with
// trial_start/trial_end and trial_settings, customer.subscription.trial_will_end three days before the
// end, then active with a paid invoice, or (no payment method) paused or canceled per
// trial_settings.end_behavior.missing_payment_method. Every response also passes the contract check.
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCheckedEmulator, advanceTestClock } from "./support"

const DAY = 86_400
let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let price: Stripe.Price

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-trials", { secretKey: "sk_test_trials" })
  stripe = em.client()
  const product = await stripe.products.create({ name: "Pro" })
  price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" } })
})
afterAll(() => em.stop())

async function eventsFor(sub: string, type: string) {
  return (await stripe.events.list({ type, limit: 100 })).data.filter((e) => (e.data.object as { id?: string }).id === sub)
}

async function trialOnClock(name: string, opts: { card: boolean; missing?: "cancel" | "pause" | "create_invoice" }) {
  const start = Math.floor(Date.now() / 1000)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name })
  const customer = await stripe.customers.create({
    email: `${name}@example.com`,
    test_clock: clock.id,
    ...(opts.card ? { payment_method: "pm_card_visa" } : {}),
  })
  if (opts.card) {
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm?.id ?? "" } })
  }
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: 14,
    ...(opts.missing ? { trial_settings: { end_behavior: { missing_payment_method: opts.missing } } } : {}),
  })
  return { clock: clock.id, start, sub }
}

describe("free trial on a test clock", () => {
  it("trialing → trial_will_end 3 days before → active with a paid invoice at the end", async () => {
    const { clock, start, sub } = await trialOnClock("trial-card", { card: true })
    expect(sub).toMatchObject({ status: "trialing", trial_start: start, trial_end: start + 14 * DAY })
    expect(sub.trial_settings).toEqual({ end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" } })
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).amount_due).toBe(0)

    await advanceTestClock(stripe, clock, start + 11 * DAY - 60)
    expect(await eventsFor(sub.id, "customer.subscription.trial_will_end")).toHaveLength(0)
    await advanceTestClock(stripe, clock, start + 11 * DAY + 60)
    const warned = await eventsFor(sub.id, "customer.subscription.trial_will_end")
    expect(warned).toHaveLength(1)
    expect(warned[0]?.created).toBe(start + 11 * DAY)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("trialing")

    await advanceTestClock(stripe, clock, start + 14 * DAY + 60)
    const after = await stripe.subscriptions.retrieve(sub.id)
    expect(after.status).toBe("active")
    expect(after.items.data[0]?.current_period_start).toBe(start + 14 * DAY)
    const invoices = (await stripe.invoices.list({ customer: String(sub.customer) })).data
    expect(invoices[0]).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 1500 })
    // Sent once only, however far the clock goes.
    await advanceTestClock(stripe, clock, start + 50 * DAY)
    expect(await eventsFor(sub.id, "customer.subscription.trial_will_end")).toHaveLength(1)
  })

  it("no payment method, missing_payment_method=pause: paused at the end, no charge", async () => {
    const { clock, start, sub } = await trialOnClock("trial-pause", { card: false, missing: "pause" })
    expect(sub.trial_settings?.end_behavior.missing_payment_method).toBe("pause")
    await advanceTestClock(stripe, clock, start + 14 * DAY + 60)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("paused")
    expect((await stripe.invoices.list({ subscription: sub.id })).data.map((i) => i.billing_reason)).toEqual(["subscription_create"])
    // Paused stays paused: no renewal while the clock moves on.
    await advanceTestClock(stripe, clock, start + 60 * DAY)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("paused")
  })

  it("no payment method, missing_payment_method=cancel: canceled at the end", async () => {
    const { clock, start, sub } = await trialOnClock("trial-cancel", { card: false, missing: "cancel" })
    await advanceTestClock(stripe, clock, start + 14 * DAY + 60)
    const ended = await stripe.subscriptions.retrieve(sub.id)
    expect(ended).toMatchObject({ status: "canceled", ended_at: start + 14 * DAY })
    expect((await eventsFor(sub.id, "customer.subscription.deleted")).length).toBe(1)
  })

  it("rejects an unknown missing_payment_method with Stripe's param name", async () => {
    const customer = await stripe.customers.create({ email: "bad@example.com" })
    const err = await stripe.subscriptions
      .create({
        customer: customer.id,
        items: [{ price: price.id }],
        trial_period_days: 3,
        trial_settings: { end_behavior: { missing_payment_method: "explode" as "cancel" } },
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
    expect((err as Stripe.errors.StripeInvalidRequestError).param).toBe("trial_settings[end_behavior][missing_payment_method]")
  })
})

describe("Checkout with a trial", () => {
  it("passes trial_period_days, payment_method_collection and trial_settings through to the session", async () => {
    const customer = await stripe.customers.create({ email: "co@example.com" })
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { trial_period_days: 14, trial_settings: { end_behavior: { missing_payment_method: "pause" } } },
      payment_method_collection: "if_required",
      success_url: "http://localhost/ok",
    })
    expect(session).toMatchObject({ status: "open", amount_total: 0, payment_method_collection: "if_required" })
    const bad = await stripe.checkout.sessions
      .create({
        mode: "subscription",
        line_items: [{ price: price.id }],
        payment_method_collection: "never" as "always",
        success_url: "http://localhost/ok",
      })
      .catch((e: unknown) => e)
    expect((bad as Stripe.errors.StripeInvalidRequestError).param).toBe("payment_method_collection")
  })
})
