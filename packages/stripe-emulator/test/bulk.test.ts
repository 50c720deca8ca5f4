// Bulk import (src/bulk.ts): each imported customer must be what the API and the clock would have made.
// Every scenario is made twice, by bulkImport and by the API on a test clock started at the same time
// in the past and advanced to now (with the same requests at the same moments), and the two are compared
// on what they have in common (statuses, times relative to creation, cancellation details, discount,
// invoices). Also: the import sends no events and no webhooks, entitlements are granted, the HTTP
// endpoint answers, and every object read back passes the contract check.
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BulkCustomer } from "@subkit/stripe-emulator"
import { advanceTestClock, must, startCheckedEmulator } from "./support"

const DAY = 86_400
let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let price: Stripe.Price
let coupon: Stripe.Coupon

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-bulk", { secretKey: "sk_test_bulk" })
  stripe = em.client()
  const product = await stripe.products.create({ name: "Pro" })
  price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" } })
  coupon = await stripe.coupons.create({ percent_off: 25, duration: "repeating", duration_in_months: 3 })
  const feature = await stripe.entitlements.features.create({ name: "Pro features", lookup_key: "bulk_pro" })
  await stripe.products.createFeature(product.id, { entitlement_feature: feature.id })
})
afterAll(() => em.stop())

type Scenario = { name: string; spec: Omit<BulkCustomer, "email"> }
const scenarios = (): Scenario[] => [
  { name: "paid-45d", spec: { card: "pm_card_visa", createdAgo: 45 * DAY, subscription: { items: [{ price: price.id }] } } },
  {
    name: "trial-converted",
    spec: { card: "pm_card_visa", createdAgo: 20 * DAY, subscription: { items: [{ price: price.id }], trialDays: 14 } },
  },
  {
    name: "trial-no-card-cancel",
    spec: { createdAgo: 20 * DAY, subscription: { items: [{ price: price.id }], trialDays: 14, missingPaymentMethod: "cancel" } },
  },
  {
    name: "trial-card-fails-past-due",
    spec: { card: "pm_card_chargeCustomerFail", createdAgo: 16 * DAY, subscription: { items: [{ price: price.id }], trialDays: 14 } },
  },
  {
    name: "trial-card-fails-canceled",
    spec: { card: "pm_card_chargeCustomerFail", createdAgo: 45 * DAY, subscription: { items: [{ price: price.id }], trialDays: 14 } },
  },
  {
    name: "card-fails-then-updated",
    spec: {
      card: "pm_card_chargeCustomerFail",
      createdAgo: 20 * DAY,
      cardUpdate: { ago: 4 * DAY, card: "pm_card_visa" },
      subscription: { items: [{ price: price.id }], trialDays: 14 },
    },
  },
  {
    name: "canceled-now",
    spec: {
      card: "pm_card_visa",
      createdAgo: 50 * DAY,
      subscription: { items: [{ price: price.id }], canceledAgo: 10 * DAY, cancellation: { feedback: "too_expensive" } },
    },
  },
  {
    name: "cancel-at-period-end-passed",
    spec: {
      card: "pm_card_visa",
      createdAgo: 70 * DAY,
      subscription: {
        items: [{ price: price.id }],
        cancelAtPeriodEndAgo: 50 * DAY,
        cancellation: { feedback: "missing_features", comment: "no API" },
      },
    },
  },
  {
    name: "seats-coupon-cancel-pending",
    spec: {
      card: "pm_card_visa",
      createdAgo: 10 * DAY,
      subscription: { items: [{ price: price.id, quantity: 3 }], coupon: coupon.id, cancelAtPeriodEndAgo: 2 * DAY },
    },
  },
]

/** The same customer through the API on a test clock: created at `now - createdAgo`, each request at its moment, advanced to `now`. */
async function viaApi(name: string, spec: Scenario["spec"], now: number): Promise<string> {
  const start = now - (spec.createdAgo ?? 0)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name })
  const customer = await stripe.customers.create({
    email: `${name}@api.example.com`,
    test_clock: clock.id,
    ...(spec.card ? { payment_method: spec.card } : {}),
  })
  if (spec.card) {
    const pm = must((await stripe.paymentMethods.list({ customer: customer.id })).data[0], "the card")
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } })
  }
  const s = must(spec.subscription, "a subscription")
  const steps: { at: number; run: () => Promise<unknown> }[] = []
  const details = s.cancellation ? { cancellation_details: s.cancellation as Stripe.SubscriptionUpdateParams.CancellationDetails } : {}
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: s.items,
    ...(s.trialDays ? { trial_period_days: s.trialDays } : {}),
    ...(s.missingPaymentMethod ? { trial_settings: { end_behavior: { missing_payment_method: s.missingPaymentMethod } } } : {}),
    ...(s.coupon ? { discounts: [{ coupon: s.coupon }] } : {}),
  })
  if (s.cancelAtPeriodEndAgo !== undefined)
    steps.push({
      at: now - s.cancelAtPeriodEndAgo,
      run: () => stripe.subscriptions.update(sub.id, { cancel_at_period_end: true, ...details }),
    })
  if (s.canceledAgo !== undefined)
    steps.push({ at: now - s.canceledAgo, run: () => stripe.subscriptions.cancel(sub.id, details as Stripe.SubscriptionCancelParams) })
  const update = spec.cardUpdate
  if (update)
    steps.push({
      at: now - update.ago,
      run: async () => {
        const pm = await stripe.paymentMethods.attach(update.card, { customer: customer.id })
        await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } })
      },
    })
  for (const step of steps.sort((a, b) => a.at - b.at)) {
    await advanceTestClock(stripe, clock.id, step.at)
    await step.run()
  }
  await advanceTestClock(stripe, clock.id, now)
  return sub.id
}

/** What the two paths must agree on: times relative to the subscription's creation. */
async function summary(subId: string) {
  const sub = await stripe.subscriptions.retrieve(subId)
  const rel = (t: number | null | undefined) => (t == null ? null : t - sub.created)
  const it = must(sub.items.data[0], "an item")
  const invoices = (await stripe.invoices.list({ subscription: subId, limit: 100 })).data.reverse()
  const entitlements = (await stripe.entitlements.activeEntitlements.list({ customer: String(sub.customer) })).data
  return {
    status: sub.status,
    quantity: it.quantity,
    period: [rel(it.current_period_start), rel(it.current_period_end)],
    trial: [rel(sub.trial_start), rel(sub.trial_end)],
    cancel_at_period_end: sub.cancel_at_period_end,
    cancel_at: rel(sub.cancel_at),
    canceled_at: rel(sub.canceled_at),
    ended_at: rel(sub.ended_at),
    cancellation_details: sub.cancellation_details,
    discounts: sub.discounts.length,
    invoices: invoices.map((i) => ({
      reason: i.billing_reason,
      status: i.status,
      total: i.total,
      attempts: i.attempt_count,
      next_attempt: rel(i.next_payment_attempt),
    })),
    entitlements: entitlements.map((e) => e.lookup_key),
  }
}

describe("bulk import", () => {
  it("makes each customer as the API on a test clock would have, without events or webhooks", async () => {
    // An endpoint listening to everything: an event would be queued for it.
    await stripe.webhookEndpoints.create({ url: "http://127.0.0.1:9/hook", enabled_events: ["*"] })
    const eventsBefore = em.store.all("event").length
    const list = scenarios()
    const result = em.bulkImport(list.map((s) => ({ email: `${s.name}@bulk.example.com`, ...s.spec })))
    const now = em.store.now()
    expect(result.customers).toHaveLength(list.length)
    expect(em.store.all("event").length).toBe(eventsBefore)
    expect(em.webhooks.pending()).toEqual({ queued: 0, inflight: 0 })

    const statuses: Record<string, string | null> = {}
    for (const [i, s] of list.entries()) {
      const bulk = must(result.customers[i]?.subscription, `${s.name}'s subscription`)
      const api = await viaApi(s.name, s.spec, now)
      const [a, b] = [await summary(bulk), await summary(api)]
      expect({ name: s.name, ...a }).toEqual({ name: s.name, ...b })
      statuses[s.name] = a.status
    }
    // The scenarios cover the states a benchmark wants (a wrong history would make these fail too).
    expect(statuses).toEqual({
      "paid-45d": "active",
      "trial-converted": "active",
      "trial-no-card-cancel": "canceled",
      "trial-card-fails-past-due": "past_due",
      "trial-card-fails-canceled": "canceled",
      "card-fails-then-updated": "active",
      "canceled-now": "canceled",
      "cancel-at-period-end-passed": "canceled",
      "seats-coupon-cancel-pending": "active",
    })
    const customer = await stripe.customers.retrieve(must(result.customers[0], "a customer").id)
    expect(customer).toMatchObject({ email: "paid-45d@bulk.example.com", test_clock: null })
  })

  it("answers POST /_emulator/bulk, and refuses a spec the API would refuse, naming the customer", async () => {
    const post = (body: unknown) =>
      fetch(`${em.url}/_emulator/bulk`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    const ok = await post({
      customers: [{ email: "http@bulk.example.com", card: "pm_card_visa", subscription: { items: [{ price: price.id }] } }],
    })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { customers: { id: string; subscription: string; status: string }[] }
    expect(body.customers[0]?.status).toBe("active")
    expect((await stripe.subscriptions.retrieve(must(body.customers[0], "one").subscription)).customer).toBe(body.customers[0]?.id)
    const bad = await post({ customers: [{ email: "x@bulk.example.com", subscription: { items: [{ price: "price_missing" }] } }] })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toMatch(/customer 0 \(x@bulk\.example\.com\): No such price: 'price_missing'/)
  })
})
