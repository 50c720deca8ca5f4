// A trial that ended without a payment method and paused (TRIAL_END_WITHOUT_PAYMENT_METHOD=pause) comes
// back only when the customer adds a card and resumes: Stripe does not resume a paused subscription on
// its own. The resume is charged at once for a new period; a declined card leaves it paused.
import { afterAll, describe, expect, it } from "vitest"
import { resumePausedSubscription } from "@/lib/billing/portal/resume"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { advanceTestClock, createUser, customerOnTestClock } from "../support/helpers"

afterAll(() => pool.end())

const DAY = 86_400

describe("resuming a subscription paused at the end of a card-less trial", () => {
  it("asks for a card first, stays paused on a decline, and resumes with a paid invoice for a new period", async () => {
    const user = await createUser()
    const { stripe, start, clock, customer } = await customerOnTestClock(user)
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: "" } })
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      trial_period_days: 14,
      trial_settings: { end_behavior: { missing_payment_method: "pause" } },
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await advanceTestClock(stripe, clock.id, start + 15 * DAY)
    await deliverCustomerEvents(customer.id)
    const paused = await loadManageView(user.id)
    expect(paused).toMatchObject({ kind: "live", paused: true, subscription: { status: "paused" } })
    const types = (await stripe.events.list({ limit: 100, type: "customer.subscription.paused" })).data.map((e) => e.data.object)
    expect(types).toContainEqual(expect.objectContaining({ id: sub.id, status: "paused" }))

    expect(await resumePausedSubscription(user)).toMatchObject({
      ok: false,
      code: "no_payment_method",
      message: "Add a payment method first: resuming charges it for the next period.",
    })

    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } })
    await deliverCustomerEvents(customer.id)
    expect(await resumePausedSubscription(user)).toMatchObject({ ok: false, code: "card_declined" })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("paused")

    const good = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: good.id } })
    await deliverCustomerEvents(customer.id)
    expect(await resumePausedSubscription(user)).toEqual({ ok: true })
    const resumed = await stripe.subscriptions.retrieve(sub.id)
    expect(resumed.status).toBe("active")
    // A new period from the moment of resuming, paid now.
    expect(resumed.items.data[0]?.current_period_start).toBe(start + 15 * DAY)
    const [latest] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect(latest).toMatchObject({ status: "paid", amount_paid: 1500 })
    expect(await loadManageView(user.id)).toMatchObject({ kind: "live", paused: false, subscription: { status: "active" } })
    expect(await resumePausedSubscription(user)).toMatchObject({ ok: false, code: "not_paused" })
  })
})
