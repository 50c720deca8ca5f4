// Starting Checkout: one open session per user, reused or replaced; a subscriber goes to manage.
import { afterAll, describe, expect, it } from "vitest"
import { startCheckout } from "@/lib/billing/checkout/start-checkout"
import { openCheckout } from "@/lib/billing/checkout/open-checkout"
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { pool } from "@/lib/db/client"
import { createUser, eventsFor, faults, signedRequest, sql, stripeClient } from "../support/helpers"

afterAll(() => pool.end())

const sessionIdOf = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1] ?? ""
const pay = (url: string) =>
  fetch(url, {
    method: "POST",
    body: new URLSearchParams({ cardnumber: "4242424242424242", exp: "12 / 34", cvc: "123" }),
    redirect: "manual",
  })
const openRows = async (userId: string) =>
  (await sql().query("select * from checkout_sessions where user_id = $1 and status = 'open'", [userId])).rows

describe("startCheckout", () => {
  it("reuses the open session for the same choice, with no new Stripe session", async () => {
    const user = await createUser()
    const first = await startCheckout(user, { plan: "pro", interval: "month" })
    if (!first.ok) throw new Error(first.message)
    const before = await faults.calls()
    const again = await startCheckout(user, { plan: "pro", interval: "month" })
    expect(again).toEqual(first)
    expect(await faults.calls()).toBe(before + 1) // only the "already subscribed?" read
    expect(await openRows(user.id)).toHaveLength(1)
  })

  it("replaces the open session for another choice: the old one is expired at Stripe and cannot be paid", async () => {
    const user = await createUser()
    const pro = await startCheckout(user, { plan: "pro", interval: "month" })
    const team = await startCheckout(user, { plan: "team", interval: "month", seats: 3 })
    if (!pro.ok || !team.ok) throw new Error("checkout failed")
    expect(team.url).not.toBe(pro.url)
    expect((await stripeClient().checkout.sessions.retrieve(sessionIdOf(pro.url))).status).toBe("expired")
    expect((await pay(pro.url)).status).not.toBe(303)
    expect(await openRows(user.id)).toMatchObject([{ stripe_session_id: sessionIdOf(team.url), quantity: 3 }])
  })

  it("a replaced session that was paid meanwhile aborts: no second session, the user goes to manage (issue 23, item 6)", async () => {
    const user = await createUser()
    const pro = await startCheckout(user, { plan: "pro", interval: "month" })
    if (!pro.ok) throw new Error(pro.message)
    expect((await pay(pro.url)).status).toBe(303) // paid in another tab; no webhook has arrived yet
    const [row] = await openRows(user.id)
    const [mapping] = (await sql().query("select stripe_customer_id from billing_customers where user_id = $1", [user.id])).rows
    const [plan] = (await sql().query("select stripe_yearly_price_id from subscription_plans where id = 'pro'")).rows
    // The click for another choice that passed the "already subscribed?" read just before the payment.
    const opened = await openCheckout({
      customerId: mapping.stripe_customer_id,
      userId: user.id,
      planId: "pro",
      priceId: plan.stripe_yearly_price_id,
      quantity: 1,
      paymentMethodCollection: "always",
      trialEndWithoutPaymentMethod: "cancel",
      successUrl: "http://localhost:3999/subscription/success?session_id={CHECKOUT_SESSION_ID}",
      cancelUrl: "http://localhost:3999/pricing",
    })
    expect(opened).toEqual({ url: "/subscription/manage?notice=already-subscribed", reused: false, alreadyPaid: true })
    const { data } = await stripeClient().checkout.sessions.list({ customer: mapping.stripe_customer_id, limit: 100 })
    expect(data.map((s) => s.id)).toEqual([row.stripe_session_id])
    expect(await openRows(user.id)).toEqual([])
  })

  it("a click while another's session is still being opened waits for it, then answers checkout_busy", async () => {
    const user = await createUser()
    const [plan] = (await sql().query("select stripe_monthly_price_id from subscription_plans where id = 'pro'")).rows
    // Another click holds the slot and is waiting for Stripe: a reserved row without its URL yet.
    await sql().query("insert into checkout_sessions (user_id, price_id, quantity) values ($1, $2, 1)", [
      user.id,
      plan.stripe_monthly_price_id,
    ])
    const started = Date.now()
    const result = await startCheckout(user, { plan: "pro", interval: "month" })
    expect(result).toEqual({
      ok: false,
      code: "checkout_busy",
      message: "Checkout is opening in another tab. Please try again in a moment.",
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000) // it waited for the other click first
    expect(await openRows(user.id)).toMatchObject([{ url: null }]) // the other click's slot, untouched
  }, 20_000)

  it("five concurrent clicks open one session", async () => {
    const user = await createUser()
    const results = await Promise.all(Array.from({ length: 5 }, () => startCheckout(user, { plan: "pro", interval: "year" })))
    const urls = new Set(results.map((r) => (r.ok ? r.url : r.message)))
    expect(urls.size).toBe(1)
    expect(await openRows(user.id)).toHaveLength(1)
    const [mapping] = (await sql().query("select stripe_customer_id from billing_customers where user_id = $1", [user.id])).rows
    const { data } = await stripeClient().checkout.sessions.list({ customer: mapping.stripe_customer_id, limit: 100 })
    expect(data).toHaveLength(1) // at Stripe too: one session was created, not five
  })

  it("records the session complete after paying, and sends the subscriber to manage", async () => {
    const user = await createUser()
    const started = await startCheckout(user, { plan: "pro", interval: "month" })
    if (!started.ok) throw new Error(started.message)
    expect((await pay(started.url)).status).toBe(303)
    const session = await stripeClient().checkout.sessions.retrieve(sessionIdOf(started.url))
    for (const e of await eventsFor(stripeClient(), session.customer as string))
      await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
    await drainBillingEvents()
    expect((await sql().query("select status from checkout_sessions where stripe_session_id = $1", [session.id])).rows[0].status).toBe(
      "complete",
    )
    // The plan and, beside it, its metered usage price (billed from the meter at the period end).
    const sub = await stripeClient().subscriptions.retrieve(session.subscription as string)
    expect(sub.items.data.map((i) => [i.price.lookup_key, i.price.recurring?.usage_type])).toEqual([
      ["subkit_pro_monthly", "licensed"],
      ["subkit_pro_reports_metered_monthly", "metered"],
    ])
    expect((await sql().query("select plan_id, quantity from user_subscriptions where user_id = $1", [user.id])).rows[0]).toMatchObject({
      plan_id: "pro",
      quantity: 1,
    })
    expect(await startCheckout(user, { plan: "team", interval: "month", seats: 2 })).toEqual({
      ok: true,
      url: "/subscription/manage?notice=already-subscribed",
    })
  })

  it("records an expired session from its webhook", async () => {
    const user = await createUser()
    const started = await startCheckout(user, { plan: "pro", interval: "month" })
    if (!started.ok) throw new Error(started.message)
    const id = sessionIdOf(started.url)
    await stripeClient().checkout.sessions.expire(id)
    const session = await stripeClient().checkout.sessions.retrieve(id)
    const [expired] = (await eventsFor(stripeClient(), session.customer as string)).filter((e) => e.type === "checkout.session.expired")
    if (!expired) throw new Error("the emulator sent no checkout.session.expired")
    await receiveStripeWebhook(signedRequest(JSON.stringify(expired)), { schedule: () => {} })
    await drainBillingEvents()
    expect((await sql().query("select status from checkout_sessions where stripe_session_id = $1", [id])).rows[0].status).toBe("expired")
    expect((await sql().query("select outcome from subscription_events where stripe_event_id = $1", [expired.id])).rows[0].outcome).toBe(
      "checkout_expired",
    )
  })
})
