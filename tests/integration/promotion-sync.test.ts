// A subscription's discount through the webhook inbox and the customer sync: stored on the
// subscription row, described on the manage page, and gone once a test clock passes its end.
import { afterAll, describe, expect, it } from "vitest"
import { discountLine } from "@/lib/billing/views/describe"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { openPortal } from "@/lib/billing/portal/open-portal"
import { syncUserNow } from "@/lib/billing/sync/eager"
import { subscribedUser } from "../support/billing"
import { createUser, sql, stripeClient, advanceTestClock, customerOnTestClock } from "../support/helpers"

afterAll(() => pool.end())

const DAY = 86_400

/** The catalog product of a plan (created by the test stack's stripe:setup). */
const productOf = async (plan: "pro" | "team") =>
  String((await stripeClient().prices.list({ lookup_keys: [`subkit_${plan}_monthly`] })).data[0]?.product ?? "")

const discountOf = async (userId: string) => {
  const view = await loadManageView(userId)
  if (view.kind !== "live") throw new Error(`expected a live subscription, got ${view.kind}`)
  return view.subscription.discount ?? null
}

describe("a promotion code's discount in the app", () => {
  it("is stored and described from the sync, and cleared when the test clock passes its end", async () => {
    const user = await createUser()
    const { stripe, start, clock, customer } = await customerOnTestClock(user)
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 2, name: "Sync 20%" })
    const code = `SYNC${start}`
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code })
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      discounts: [{ promotion_code: promo.id }],
      metadata: { user_id: user.id, plan_id: "pro" },
      expand: ["discounts"],
    })
    const end = (sub.discounts[0] as { end: number | null }).end ?? 0
    await deliverCustomerEvents(customer.id)

    const discount = await discountOf(user.id)
    expect(discount).toEqual({
      label: code,
      percentOff: 20,
      amountOff: null,
      currency: null,
      duration: "repeating",
      endsAt: new Date(end * 1000),
    })
    if (!discount) throw new Error("no discount stored")
    const endsOn = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(end * 1000))
    expect(discountLine(discount)).toBe(`${code}: 20% off until ${endsOn}`)
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).amount_paid).toBe(1200) // $15.00 less 20%

    await advanceTestClock(stripeClient(), clock.id, end - DAY)
    await deliverCustomerEvents(customer.id)
    expect((await discountOf(user.id))?.label).toBe(code)

    await advanceTestClock(stripeClient(), clock.id, end + DAY)
    await deliverCustomerEvents(customer.id)
    expect(await discountOf(user.id)).toBeNull()
    const row = await sql().query(
      "select discount_label, discount_duration, discount_ends_at from user_subscriptions where stripe_subscription_id = $1",
      [sub.id],
    )
    expect(row.rows[0]).toEqual({ discount_label: null, discount_duration: null, discount_ends_at: null })
    const totals = (await stripe.invoices.list({ subscription: sub.id })).data.map((i) => i.amount_paid).reverse()
    expect(totals).toEqual([1200, 1200, 1500])
  })
})

describe("a promotion code redeemed in the hosted portal", () => {
  it("is refused in Checkout's words, then applied to the subscription, synced and shown", async () => {
    const s = await subscribedUser({ plan: "team", seats: 2 })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    const coupon = await s.stripe.coupons.create({ percent_off: 25, duration: "forever", name: "Portal 25%" })
    const code = `PORTAL${Date.now()}`
    await s.stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code })
    const pro = await s.stripe.coupons.create({ percent_off: 50, duration: "once", applies_to: { products: [await productOf("pro")] } })
    const proOnly = `PROONLY${Date.now()}`
    await s.stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: pro.id }, code: proOnly })

    const portal = await openPortal(s.user, "home")
    if (!portal.ok) throw new Error(portal.message)
    const teamPrice = (await s.stripe.subscriptions.retrieve(s.subscriptionId)).items.data[0]?.price.id ?? ""
    const confirmPage = await (await fetch(`${portal.url}/confirm?subscription=${s.subscriptionId}&price=${teamPrice}&quantity=2`)).text()
    expect(confirmPage).toContain('<label for="promotion_code">Add promotion code')
    const confirm = (promotion_code: string) =>
      fetch(`${portal.url}/confirm`, {
        method: "POST",
        body: new URLSearchParams({ subscription: s.subscriptionId, price: teamPrice, quantity: "2", promotion_code }),
        redirect: "manual",
      })

    for (const [typed, words] of [
      ["NOPE-NOT-A-CODE", "This code is invalid."],
      [proOnly, "This code is valid, but doesn't apply to items in your order."],
    ] as const) {
      const refused = await confirm(typed)
      expect(refused.status).toBe(400)
      expect(await refused.text()).toContain(words)
    }
    expect((await s.stripe.subscriptions.retrieve(s.subscriptionId)).discounts).toEqual([])

    expect((await confirm(code.toLowerCase())).status).toBe(303)
    await deliverCustomerEvents(s.customerId)
    expect(await discountOf(s.user.id)).toMatchObject({ label: code, percentOff: 25, duration: "forever", endsAt: null })
    const home = await (await fetch(`${portal.url}/home`)).text()
    expect(home).toContain(`${code} · 25% off · forever`)
    // The next renewal is discounted: Stripe's preview of it says so.
    const next = await s.stripe.invoices.createPreview({ subscription: s.subscriptionId })
    expect(next.total).toBe(1800) // 2 seats × $12.00 less 25 %
  })
})
