// One free trial per user and per Stripe customer, decided at Checkout from our rows and Stripe's.
import { afterAll, describe, expect, it, vi } from "vitest"
import { CATALOG } from "@/lib/billing/catalog"
import { startCheckout } from "@/lib/billing/checkout/start-checkout"
import { markCustomerDeleted } from "@/lib/billing/checkout/customer"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { createUser, sql, stripeClient, uniqueCardNumber } from "../support/helpers"

afterAll(() => pool.end())

// Before any app module reads its configuration (the integration setup turns trials off for older suites).
vi.hoisted(() => {
  process.env.BILLING_TRIALS = "on"
})

const DAY = 86_400
const sessionIdOf = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1] ?? ""
const pay = (url: string) =>
  fetch(url, {
    method: "POST",
    // Each person their own card: one card reused across accounts gets one trial (trial-cards.test.ts).
    body: new URLSearchParams({ cardnumber: uniqueCardNumber(), exp: "12 / 34", cvc: "123" }),
    redirect: "manual",
  })

async function checkoutAndPay(user: Awaited<ReturnType<typeof createUser>>) {
  const started = await startCheckout(user, { plan: "pro", interval: "month" })
  if (!started.ok) throw new Error(started.message)
  if (!sessionIdOf(started.url))
    throw new Error(
      `no Checkout: ${started.url} ${JSON.stringify((await sql().query("select stripe_customer_id, status from user_subscriptions where user_id = $1", [user.id])).rows)}`,
    )
  const session = await stripeClient().checkout.sessions.retrieve(sessionIdOf(started.url))
  expect((await pay(started.url)).status).toBe(303)
  const done = await stripeClient().checkout.sessions.retrieve(session.id)
  // The webhooks mark the session complete in our rows (as in production), so the next click opens a new one.
  await deliverCustomerEvents(String(done.customer))
  return { session, subscription: await stripeClient().subscriptions.retrieve(String(done.subscription)) }
}

describe("free trial at Checkout", () => {
  it("BILLING_TRIALS=off offers none", async () => {
    const { resolveEnv } = await import("@/lib/env")
    expect(resolveEnv({ ...process.env, BILLING_TRIALS: "off" }).billing.trials).toBe(false)
    expect(resolveEnv({ ...process.env, BILLING_TRIALS: undefined }).billing.trials).toBe(true)
  })

  it("the catalog gives Pro and Team a 14-day trial", () => {
    expect(CATALOG.map((p) => [p.id, p.trialDays])).toEqual([
      ["pro", 14],
      ["team", 14],
    ])
  })

  it("a new user gets the trial with a card collected up front; after canceling, resubscribing has no trial", async () => {
    const user = await createUser()
    const first = await checkoutAndPay(user)
    expect(first.session).toMatchObject({ amount_total: 0, payment_method_collection: "always" })
    expect(first.subscription.status).toBe("trialing")
    expect((first.subscription.trial_end ?? 0) - (first.subscription.trial_start ?? 0)).toBe(14 * DAY)
    // TRIAL_END_WITHOUT_PAYMENT_METHOD's default: a card-less trial ends canceled, not in an unpaid invoice.
    expect(first.subscription.trial_settings?.end_behavior.missing_payment_method).toBe("cancel")

    await stripeClient().subscriptions.cancel(first.subscription.id)
    const second = await checkoutAndPay(user)
    expect(second.session.amount_total).toBe(1500)
    expect(second.subscription).toMatchObject({ status: "active", trial_start: null, trial_end: null })
  })

  it("a second Stripe customer for the same user gets no trial either", async () => {
    const user = await createUser()
    const first = await checkoutAndPay(user)
    expect(first.subscription.status).toBe("trialing")
    // The trial is canceled and the customer deleted at Stripe; the webhooks reach us.
    const old = String(first.subscription.customer)
    await stripeClient().subscriptions.cancel(first.subscription.id)
    await deliverCustomerEvents(old)
    await stripeClient().customers.del(old)
    await markCustomerDeleted(old)
    const second = await checkoutAndPay(user)
    expect(second.subscription.customer).not.toBe(first.subscription.customer)
    expect(second.session.amount_total).toBe(1500)
    expect(second.subscription.trial_end).toBeNull()
  })

  it("a trial Stripe has on the customer counts even when our database never saw it", async () => {
    const user = await createUser()
    const opened = await startCheckout(user, { plan: "pro", interval: "month" })
    if (!opened.ok) throw new Error(opened.message)
    const [mapping] = (await sql().query("select stripe_customer_id from billing_customers where user_id = $1", [user.id])).rows
    const customer = String(mapping.stripe_customer_id)
    // A trial made directly at Stripe (say, by support), then canceled; no webhook reached us.
    const prices = await stripeClient().prices.list({ lookup_keys: ["subkit_pro_monthly"] })
    const sub = await stripeClient().subscriptions.create({ customer, items: [{ price: prices.data[0]?.id ?? "" }], trial_period_days: 7 })
    await stripeClient().subscriptions.cancel(sub.id)
    expect((await sql().query("select 1 from user_subscriptions where stripe_subscription_id = $1", [sub.id])).rowCount).toBe(0)
    const again = await checkoutAndPay(user)
    expect(again.session.amount_total).toBe(1500)
    expect(again.subscription.trial_end).toBeNull()
  })
})
