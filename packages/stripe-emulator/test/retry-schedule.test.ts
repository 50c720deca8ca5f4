// The emulator's failed-payment retry schedule on a test clock: the configured attempts at their days,
// then the subscription's end state per the account setting (canceled, unpaid, or left past_due).
import type Stripe from "stripe"
import { afterAll, describe, expect, it } from "vitest"
import type { StripeEmulatorOptions } from "@subkit/stripe-emulator"
import { startCheckedEmulator, advanceInSteps } from "./support"

const DAY = 86_400
const started: { stop(): Promise<void> | void }[] = []
afterAll(async () => {
  for (const em of started) await em.stop()
})

/** A subscription on a test clock whose card fails from its first renewal on. */
async function failingRenewal(settings: StripeEmulatorOptions["settings"]) {
  const em = await startCheckedEmulator("stripe-retry-schedule", { settings })
  started.push(em)
  const stripe = em.client()
  const product = await stripe.products.create({ name: "Pro" })
  const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" } })
  const start = Math.floor(Date.now() / 1000)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start })
  const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: "pm_card_visa" })
  const good = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id ?? ""
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: good })
  const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
  await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id })
  const renewal = sub.items.data[0]?.current_period_end ?? 0
  const advance = async (to: number) => {
    const { now } = await advanceInSteps(stripe, clock.id, to)
    expect(now).toMatchObject({ status: "ready", frozen_time: to })
  }
  const openInvoice = async () => (await stripe.invoices.list({ subscription: sub.id, status: "open" })).data[0]
  return { stripe, sub, renewal, advance, openInvoice }
}

const failures = async (stripe: Stripe, invoiceId: string) =>
  (await stripe.events.list({ type: "invoice.payment_failed", limit: 100 })).data.filter(
    (e) => (e.data.object as Stripe.Invoice).id === invoiceId,
  ).length

describe("failed renewal retry schedule", () => {
  it("retries on the configured days, then cancels (the default end state)", async () => {
    const { stripe, sub, renewal, advance, openInvoice } = await failingRenewal({ retryScheduleDays: [1, 2] })
    await advance(renewal + 60)
    const inv = await openInvoice()
    expect(inv).toMatchObject({ attempt_count: 1, next_payment_attempt: renewal + DAY })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due")
    await advance(renewal + DAY + 60)
    expect(await stripe.invoices.retrieve(inv?.id ?? "")).toMatchObject({ attempt_count: 2, next_payment_attempt: renewal + 3 * DAY })
    await advance(renewal + 3 * DAY + 60)
    expect(await stripe.invoices.retrieve(inv?.id ?? "")).toMatchObject({ attempt_count: 3, next_payment_attempt: null })
    expect(await failures(stripe, inv?.id ?? "")).toBe(3)
    const ended = await stripe.subscriptions.retrieve(sub.id)
    expect(ended).toMatchObject({ status: "canceled", cancellation_details: { reason: "payment_failed" } })
  })

  it("marks the subscription unpaid when the account says so", async () => {
    const { stripe, sub, renewal, advance } = await failingRenewal({ retryScheduleDays: [2], afterFinalFailure: "unpaid" })
    await advance(renewal + 60)
    await advance(renewal + 2 * DAY + 60)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("unpaid")
  })

  it("leaves it past_due with the invoice open and no further attempt when the account says so", async () => {
    const { stripe, sub, renewal, advance, openInvoice } = await failingRenewal({ retryScheduleDays: [2], afterFinalFailure: "past_due" })
    await advance(renewal + 60)
    await advance(renewal + 2 * DAY + 60)
    await advance(renewal + 20 * DAY)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due")
    expect(await openInvoice()).toMatchObject({ attempt_count: 2, next_payment_attempt: null })
  })
})
