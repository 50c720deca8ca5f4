// One free trial per card (issue 23, item 5): with cards collected at Checkout, a second account paying
// with a card that already had a trial gets its trial ended at once by the drain (trial_end=now through
// the billing_actions outbox), so it is billed the first period now; another card keeps its trial.
import { afterAll, describe, expect, it, vi } from "vitest"
import { TRIAL_MAX_SEATS } from "@/lib/billing/catalog"
import { startCheckout } from "@/lib/billing/checkout/start-checkout"
import { openPortal } from "@/lib/billing/portal/open-portal"
import { previewSeats } from "@/lib/billing/team/change-seats"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { createUser, emulatorNow, sql, stripeClient, uniqueCardNumber } from "../support/helpers"

vi.hoisted(() => {
  process.env.BILLING_TRIALS = "on"
})

afterAll(() => pool.end())

async function trialWithCard(cardnumber: string, plan: { plan: "pro" | "team"; seats?: number } = { plan: "pro" }) {
  const user = await createUser()
  const started = await startCheckout(user, { ...plan, interval: "month" })
  if (!started.ok) throw new Error(started.message)
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(started.url)?.[1] ?? ""
  const paid = await fetch(started.url, {
    method: "POST",
    body: new URLSearchParams({ cardnumber, exp: "12 / 34", cvc: "123" }),
    redirect: "manual",
  })
  expect(paid.status).toBe(303)
  const session = await stripeClient().checkout.sessions.retrieve(sessionId)
  await deliverCustomerEvents(String(session.customer))
  return { user, subscriptionId: String(session.subscription), customerId: String(session.customer) }
}

describe("one trial per card", () => {
  it("the emulator gives one card number the same fingerprint on any customer", async () => {
    const stripe = stripeClient()
    const card = uniqueCardNumber()
    const fp = async () => {
      const pm = await stripe.paymentMethods.create({
        type: "card",
        card: { number: card, exp_month: 12, exp_year: 2034, cvc: "123" },
      } as never)
      return pm.card?.fingerprint
    }
    const [a, b] = [await fp(), await fp()]
    expect(a).toMatch(/^[A-Za-z0-9]{16}$/)
    expect(b).toBe(a)
    expect(
      await (async () =>
        (await stripe.paymentMethods.create({ type: "card", card: { number: uniqueCardNumber(), exp_month: 12, exp_year: 2034 } } as never))
          .card?.fingerprint)(),
    ).not.toBe(a)
  })

  it("a second account on a card that had a trial is billed now; a new card keeps its trial", async () => {
    const card = uniqueCardNumber()
    const first = await trialWithCard(card)
    expect((await stripeClient().subscriptions.retrieve(first.subscriptionId)).status).toBe("trialing")

    const second = await trialWithCard(card)
    const ended = await stripeClient().subscriptions.retrieve(second.subscriptionId)
    expect(ended.status).toBe("active")
    expect(ended.trial_end).toBeLessThanOrEqual((await emulatorNow()) + 5)
    const invoices = (await stripeClient().invoices.list({ subscription: second.subscriptionId })).data
    expect(invoices.some((i) => i.status === "paid" && i.amount_paid > 0)).toBe(true)
    // The rows follow through the webhooks; the action is done, once.
    await deliverCustomerEvents(second.customerId)
    const actions = await sql().query(
      "select kind, reason, done_at is not null as done from billing_actions where stripe_subscription_id = $1",
      [second.subscriptionId],
    )
    expect(actions.rows).toEqual([{ kind: "end_trial", reason: "card_had_trial", done: true }])
    expect(
      (await sql().query("select status from user_subscriptions where stripe_subscription_id = $1", [second.subscriptionId])).rows[0]
        ?.status,
    ).toBe("active")
    // The first account's trial is untouched.
    expect((await stripeClient().subscriptions.retrieve(first.subscriptionId)).status).toBe("trialing")

    const other = await trialWithCard(uniqueCardNumber())
    expect((await stripeClient().subscriptions.retrieve(other.subscriptionId)).status).toBe("trialing")
  })
})

describe("a Team trial's seats are capped until it converts", () => {
  it(`in-app seat changes and the portal's quantity stop at ${TRIAL_MAX_SEATS}; a Team Checkout for more has no trial`, async () => {
    const t = await trialWithCard(uniqueCardNumber(), { plan: "team", seats: 2 })
    expect((await stripeClient().subscriptions.retrieve(t.subscriptionId)).status).toBe("trialing")
    expect(await previewSeats(t.user, TRIAL_MAX_SEATS + 1)).toMatchObject({ ok: false, code: "trial_seat_cap" })
    expect((await previewSeats(t.user, TRIAL_MAX_SEATS)).ok).toBe(true)
    const portal = await openPortal(t.user, "home")
    if (!portal.ok) throw new Error(portal.message)
    // The portal session's configuration caps the Team quantity: a fourth seat is refused there too.
    const price = (await stripeClient().subscriptions.retrieve(t.subscriptionId)).items.data[0]?.price.id ?? ""
    const confirm = (quantity: number) =>
      fetch(`${portal.url}/confirm`, {
        method: "POST",
        body: new URLSearchParams({ subscription: t.subscriptionId, price, quantity: String(quantity) }),
        redirect: "manual",
      })
    expect((await confirm(TRIAL_MAX_SEATS + 1)).status).toBe(400)
    expect((await stripeClient().subscriptions.retrieve(t.subscriptionId)).items.data[0]?.quantity).toBe(2)
    const capped = (await stripeClient().billingPortal.configurations.list({ limit: 100 })).data.filter((c) =>
      String(c.metadata?.subkit_key).includes(`:max_seats_${TRIAL_MAX_SEATS}:`),
    )
    expect(capped[0]?.features.subscription_update.products?.find((p) => p.adjustable_quantity.enabled)?.adjustable_quantity.maximum).toBe(
      TRIAL_MAX_SEATS,
    )

    const big = await trialWithCard(uniqueCardNumber(), { plan: "team", seats: TRIAL_MAX_SEATS + 2 })
    const sub = await stripeClient().subscriptions.retrieve(big.subscriptionId)
    expect([sub.status, sub.trial_end, sub.items.data[0]?.quantity]).toEqual(["active", null, TRIAL_MAX_SEATS + 2])
  })
})
