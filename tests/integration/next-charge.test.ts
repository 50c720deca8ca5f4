// Every amount the pages state is what Stripe will charge (issue 23, item 8), from one function
// (lib/billing/views/charge.ts: nextCharge) over Stripe's invoice preview, which the sync reads
// (lib/stripe/customers.ts) for a subscription whose price × quantity could be wrong. STRIPE_TAX=on and
// a customer in the UK (the emulator's 20 % test rate): 3 Team seats ($36.00) with 20 % off for 3
// months is $28.80 + $5.76 tax = $34.56 at each renewal; a change to Pro at the period's end is stated
// as Pro's first charge ($12.00 + $2.40 = $14.40), and after the discount's end $15.00 + $3.00 =
// $18.00. Each stated amount is then what the renewal's invoice charged. Real Postgres, the emulator
// through the SDK on a test clock, the app's own modules.
import { afterAll, describe, expect, it, vi } from "vitest"

vi.hoisted(() => {
  process.env.STRIPE_TAX = "on"
})

import { confirmPlan, previewPlan } from "@/lib/billing/plan-change/change-plan"
import { chargeLine } from "@/lib/billing/views/charge"
import { discountLine } from "@/lib/billing/views/describe"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { advanceTestClock, createUser, customerOnTestClock, sql } from "../support/helpers"
import { must } from "../support/must"
import { seatCreditCase } from "../support/seat-credit"

afterAll(() => pool.end())

const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" })
const day = (unix: number) => DATE.format(new Date(unix * 1000))

async function live(userId: string) {
  const view = await loadManageView(userId)
  if (view.kind !== "live") throw new Error(`expected a live subscription, got ${view.kind}`)
  return view
}

describe("the next charge the pages state", () => {
  it("is Stripe's preview with the discount, every seat and tax; at a scheduled change the new plan's; after the discount's end the full price", async () => {
    const user = await createUser()
    const { stripe, clock, customer } = await customerOnTestClock(user)
    await stripe.customers.update(customer.id, { address: { country: "GB", postal_code: "SW1A 1AA" } })
    const team = must((await stripe.prices.list({ lookup_keys: ["subkit_team_monthly"] })).data[0], "team monthly")
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3 })
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: team.id, quantity: 3 }],
      discounts: [{ coupon: coupon.id }],
      automatic_tax: { enabled: true },
      expand: ["discounts"],
      metadata: { user_id: user.id, plan_id: "team" },
    })
    await deliverCustomerEvents(customer.id)
    const item = must(sub.items.data[0], "item")
    const renewal = item.current_period_end
    const discountEnd = must((sub.discounts[0] as { end: number | null } | undefined)?.end, "discount end")
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).amount_paid).toBe(3456)

    // The first renewal: $36.00 − 20 % + 20 % VAT.
    let view = await live(user.id)
    expect(chargeLine(view.nextCharge)).toBe(`$34.56 on ${day(renewal)}`)
    expect(view.subscription.discount && discountLine(view.subscription.discount)).toBe(`${coupon.id}: 20% off until ${day(discountEnd)}`)
    await advanceTestClock(stripe, clock.id, renewal + 3600)
    await deliverCustomerEvents(customer.id)
    const cycles = async () =>
      (await stripe.invoices.list({ subscription: sub.id, limit: 10 })).data
        .filter((i) => i.billing_reason === "subscription_cycle")
        .map((i) => i.amount_paid)
        .reverse()
    expect(await cycles()).toEqual([3456])

    // A change to Pro at the period's end: "Changes to Pro … on DATE. Your first invoice then: $14.40." (1 × $15.00 − 20 % + VAT).
    const preview = await previewPlan(user, { plan: "pro", interval: "month" })
    if (!preview.ok) throw new Error(preview.message)
    expect(preview.preview.kind).toBe("at_period_end")
    const confirmed = await confirmPlan(user, {
      plan: "pro",
      interval: "month",
      itemId: preview.preview.itemId,
      fromPriceId: preview.preview.fromPriceId,
      fromQuantity: preview.preview.fromQuantity,
      prorationDate: preview.preview.prorationDate,
      amountDue: preview.preview.amountDue,
    })
    expect(confirmed).toMatchObject({ ok: true })
    await deliverCustomerEvents(customer.id)
    view = await live(user.id)
    const second = must((await stripe.subscriptions.retrieve(sub.id)).items.data[0], "item").current_period_end
    expect(view.scheduledChange).toMatchObject({ planName: "Pro", amount: "$14.40" })
    expect(chargeLine(view.nextCharge)).toBe(`$14.40 on ${day(second)}`)
    await advanceTestClock(stripe, clock.id, second + 3600)
    await deliverCustomerEvents(customer.id)
    expect(await cycles()).toEqual([3456, 1440])

    // Still discounted until the discount's end; the renewal there is Pro in full: $15.00 + VAT.
    view = await live(user.id)
    expect(view.scheduledChange).toBeNull()
    expect(chargeLine(view.nextCharge)).toMatch(/^\$18\.00 on /)
    await advanceTestClock(stripe, clock.id, discountEnd + 3600)
    await deliverCustomerEvents(customer.id)
    expect(await cycles()).toEqual([3456, 1440, 1800])
    view = await live(user.id)
    expect(view.subscription.discount).toBeNull()
    expect(chargeLine(view.nextCharge)).toMatch(/^\$18\.00 on /)

    // A cancellation at the period's end: nothing more is charged, and no preview is kept.
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
    await deliverCustomerEvents(customer.id)
    expect((await live(user.id)).nextCharge).toEqual({ kind: "none" })
    const row = await sql().query("select upcoming_amount from user_subscriptions where stripe_subscription_id = $1", [sub.id])
    expect(row.rows[0]).toEqual({ upcoming_amount: null })
  }, 120_000)

  it("after a seat removed mid-period is Stripe's renewal less the credit, VAT on both (seat-credit.test.ts: without tax)", async () => {
    // 3 → 2 Team seats a third of the way in: the credit is one seat's two thirds, $8.00 + $1.60 VAT.
    const r = await seatCreditCase({ tax: true, from: 3, to: 2, at: 1 / 3, renewals: 1 })
    expect(Math.abs(r.credit + 960)).toBeLessThanOrEqual(3)
    const [first] = r.renewals
    expect(first?.stated).toBe(first?.charged)
    expect(first).toMatchObject({ startingBalance: r.credit, from: "preview" })
    expect(first?.charged).toMatch(new RegExp(`^\\${r.usd(2880 + r.credit)} on `))
    expect(r.after).toMatchObject({ kind: "charge", amount: 2880, from: "preview" })
  }, 120_000)
})
