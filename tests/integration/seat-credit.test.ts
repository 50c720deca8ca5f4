// A seat removed mid-period is credited (issue 23, item 8), and the next charge the manage page states is
// what each renewal then charges, with Stripe Tax off (the default): Stripe makes the removal a credit
// invoice (always_invoice) whose negative total goes to the customer's invoice balance, and the next
// invoices draw on it. While the balance holds a credit the next charge is Stripe's invoice preview (which
// applies it), not price × quantity; once it is used up, price × quantity again. The taxed case is in
// next-charge.test.ts. Real Postgres, the emulator through the SDK on a test clock, the app's own modules.
import { afterAll, describe, expect, it } from "vitest"
import { pool } from "@/lib/db/client"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { deliverCustomerEvents } from "../support/deliver"
import { createUser, customerOnTestClock } from "../support/helpers"
import { must } from "../support/must"
import { seatCreditCase } from "../support/seat-credit"

afterAll(() => pool.end())

describe("a seat removed mid-period", () => {
  it("3 → 2 seats a third of the way in: the renewal charges 2 seats less the credit, as stated; then 2 seats", async () => {
    const r = await seatCreditCase({ tax: false, from: 3, to: 2, at: 1 / 3, renewals: 1 })
    expect(Math.abs(r.credit + 800)).toBeLessThanOrEqual(3) // one $12 seat, two thirds of a month
    const [first] = r.renewals
    expect(first?.stated).toBe(first?.charged)
    expect(first).toMatchObject({ startingBalance: r.credit, from: "preview" })
    expect(first?.charged).toMatch(new RegExp(`^\\${r.usd(2400 + r.credit)} on `))
    // The credit is used up: price × quantity again.
    expect(r.after).toMatchObject({ kind: "charge", amount: 2400, from: "price" })
  }, 120_000)

  it("9 → 2 seats half-way: a credit larger than one renewal is stated at each renewal it lasts", async () => {
    const r = await seatCreditCase({ tax: false, from: 9, to: 2, at: 1 / 2, renewals: 2 })
    expect(Math.abs(r.credit + 4200)).toBeLessThanOrEqual(3) // 7 seats, half a month
    const [first, second] = r.renewals
    // The first renewal is paid from the credit entirely; the second from what is left, and the card.
    expect(first?.charged).toMatch(/^\$0\.00 on /)
    expect(second?.charged).toMatch(new RegExp(`^\\${r.usd(2400 * 2 + r.credit)} on `))
    for (const renewal of r.renewals) expect(renewal.stated).toBe(renewal.charged)
    expect(r.after).toMatchObject({ kind: "charge", amount: 2400, from: "price" })
  }, 120_000)

  it("a credit given on the customer's balance (an adjustment, as from the Dashboard) is taken off the next charge", async () => {
    const user = await createUser()
    const { stripe, customer } = await customerOnTestClock(user)
    const pro = must((await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0], "pro monthly")
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: pro.id }], metadata: { user_id: user.id, plan_id: "pro" } })
    await deliverCustomerEvents(customer.id)
    const stated = async () => {
      const view = await loadManageView(user.id)
      if (view.kind !== "live") throw new Error(view.kind)
      return view.nextCharge
    }
    expect(await stated()).toMatchObject({ amount: 1500, from: "price" })
    // Only customer.updated (balance) says so: no subscription event comes with it.
    await stripe.customers.createBalanceTransaction(customer.id, { amount: -500, currency: "usd" })
    await deliverCustomerEvents(customer.id)
    expect(await stated()).toMatchObject({ amount: 1000, from: "preview" })
  }, 60_000)
})
