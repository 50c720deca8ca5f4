// One free trial per card (issue 23, item 5): with cards collected at Checkout, a second account paying
// with a card that already had a trial gets its trial ended at once by the drain (trial_end=now through
// the billing_actions outbox), so it is billed the first period now; another card keeps its trial.
import { afterAll, describe, expect, it, vi } from "vitest"
import { startCheckout } from "@/lib/billing/checkout/start-checkout"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { createUser, sql, stripeClient, uniqueCardNumber } from "../support/helpers"

vi.hoisted(() => {
  process.env.BILLING_TRIALS = "on"
})

afterAll(() => pool.end())

async function trialWithCard(cardnumber: string) {
  const user = await createUser()
  const started = await startCheckout(user, { plan: "pro", interval: "month" })
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
    expect(ended.trial_end).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5)
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
