import { describe, expect, it } from "vitest"
import type Stripe from "stripe"
import fixtures from "@subkit/stripe-emulator/fixtures.json"
import { customerFields, subscriptionRow as rowOf } from "@/lib/billing/sync/rows"
import { addressOf, cardSummary, customerState, fromUnix, invoiceSubscriptionId, subscriptionState, toStatus } from "@/lib/stripe/mappers"
import { must } from "../support/must"

const baseSub = () => {
  const sub = structuredClone(fixtures.subscription) as unknown as Stripe.Subscription
  sub.status = "active"
  sub.cancel_at = null
  sub.cancel_at_period_end = false
  sub.canceled_at = null
  sub.ended_at = null
  sub.trial_start = null
  sub.trial_end = null
  must(sub.items.data[0], "sub.items.data[0]").current_period_start = 1_790_000_000
  must(sub.items.data[0], "sub.items.data[0]").current_period_end = 1_792_592_000
  must(sub.items.data[0], "sub.items.data[0]").quantity = 3
  return sub
}
const ctx = {
  userId: "00000000-0000-0000-0000-000000000001",
  planIdForPrice: (id: string | null) => (id === "price_1PgafmB7WZ01zgkW6dKueIc5" ? "team" : null),
}
const subscriptionRow = (sub: Stripe.Subscription, c: typeof ctx) => {
  const state = subscriptionState(sub)
  return rowOf(state, c.userId, c.planIdForPrice(state.priceId))
}

describe("subscriptionRow", () => {
  it("maps Stripe's example subscription, periods from its item", () => {
    const row = subscriptionRow(baseSub(), ctx)
    expect(row).toMatchObject({
      stripeSubscriptionId: "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw",
      userId: ctx.userId,
      stripeCustomerId: "cus_QXg1o8vcGmoR32",
      planId: "team",
      stripePriceId: "price_1PgafmB7WZ01zgkW6dKueIc5",
      interval: "month",
      quantity: 3,
      unitAmount: 2000,
      currency: "usd",
      status: "active",
      cancelAtPeriodEnd: false,
      cancelAt: null,
    })
    expect(row.currentPeriodStart).toEqual(new Date(1_790_000_000_000))
    expect(row.currentPeriodEnd).toEqual(new Date(1_792_592_000_000))
  })

  it("treats cancel_at at the period end as cancel at period end (the portal's newer behaviour)", () => {
    const sub = baseSub()
    sub.cancel_at = must(sub.items.data[0], "sub.items.data[0]").current_period_end
    expect(subscriptionRow(sub, ctx).cancelAtPeriodEnd).toBe(true)
    sub.cancel_at = must(sub.items.data[0], "sub.items.data[0]").current_period_end - 86_400
    expect(subscriptionRow(sub, ctx).cancelAtPeriodEnd).toBe(false)
  })

  it("leaves the plan empty for a price outside the catalog", () => {
    const sub = baseSub()
    must(sub.items.data[0], "sub.items.data[0]").price.id = "price_other"
    expect(subscriptionRow(sub, ctx).planId).toBeNull()
  })

  it("rejects a subscription without items and an unknown status", () => {
    const sub = baseSub()
    sub.items.data = []
    expect(() => subscriptionRow(sub, ctx)).toThrow(/no items/)
    expect(() => toStatus("frozen")).toThrow(/unknown/)
  })
})

describe("customer and invoice mappers", () => {
  it("summarises the default card and never more", () => {
    const pm = {
      card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034, fingerprint: "x" },
    } as unknown as Stripe.PaymentMethod
    expect(cardSummary(pm)).toEqual({ brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034 })
    expect(cardSummary("pm_123")).toBeNull()
    const c = {
      id: "cus_1",
      email: "a@b.co",
      name: null,
      metadata: {},
      address: { line1: "1 Main St", line2: null, city: "Springfield", postal_code: "1", state: null, country: "US" },
      invoice_settings: { default_payment_method: null },
    } as unknown as Stripe.Customer
    const state = customerState(c)
    if (state.deleted) throw new Error("not deleted")
    const card = { brand: "mastercard", last4: "4444", exp_month: 1, exp_year: 2030 }
    const withCard = { ...subscriptionState(baseSub()), card }
    expect(customerFields(state, [withCard])).toMatchObject({
      email: "a@b.co",
      address: { city: "Springfield" },
      defaultPaymentMethod: { last4: "4444" },
    })
    expect(customerFields(state, [{ ...withCard, status: "canceled" }]).defaultPaymentMethod).toBeNull()
    expect(addressOf({ line1: null, line2: null, city: null, postal_code: null, state: null, country: null })).toBeNull()
  })

  it("finds an invoice's subscription under parent.subscription_details", () => {
    const inv = { parent: { subscription_details: { subscription: "sub_1" } } } as unknown as Stripe.Invoice
    expect(invoiceSubscriptionId(inv)).toBe("sub_1")
    expect(invoiceSubscriptionId({ parent: null } as unknown as Stripe.Invoice)).toBeNull()
    expect(fromUnix(null)).toBeNull()
  })
})

describe("the subscription's discount", () => {
  const coupon = (fields: Partial<Stripe.Coupon>): Stripe.Coupon =>
    ({
      id: "Z4OV52SU",
      object: "coupon",
      amount_off: null,
      currency: null,
      duration: "repeating",
      duration_in_months: 3,
      name: "Welcome",
      percent_off: 20,
      ...fields,
    }) as Stripe.Coupon
  const discount = (c: Stripe.Coupon | string, code: string | null, end: number | null): Stripe.Discount =>
    ({
      id: "di_1",
      object: "discount",
      end,
      promotion_code: code ? ({ id: "promo_1", object: "promotion_code", code } as Stripe.PromotionCode) : null,
      source: { coupon: c, type: "coupon" },
    }) as Stripe.Discount

  it("maps the expanded discount: the code the customer entered, what it takes off, when a repeating one ends", () => {
    const sub = baseSub()
    const c = coupon({})
    sub.discounts = [discount(c, "WELCOME20", 1_800_000_000)]
    expect(subscriptionState(sub).discount).toEqual({
      couponId: c.id,
      label: "WELCOME20",
      percentOff: 20,
      amountOff: null,
      currency: null,
      duration: "repeating",
      endsAt: new Date(1_800_000_000 * 1000),
    })
    expect(subscriptionRow(sub, ctx)).toMatchObject({ discountLabel: "WELCOME20", discountPercentOff: 20, discountDuration: "repeating" })
  })

  it("names a coupon applied without a code by its name (else id); once and forever have no end", () => {
    const sub = baseSub()
    sub.discounts = [discount(coupon({ duration: "forever", amount_off: 500, currency: "usd", percent_off: null, name: null }), null, null)]
    expect(subscriptionState(sub).discount).toMatchObject({
      label: "Z4OV52SU",
      amountOff: 500,
      currency: "usd",
      duration: "forever",
      endsAt: null,
    })
  })

  it("is null without discounts, or when they were not expanded (ids only)", () => {
    const sub = baseSub()
    sub.discounts = []
    expect(subscriptionState(sub).discount).toBeNull()
    expect(subscriptionRow(sub, ctx)).toMatchObject({ discountLabel: null, discountDuration: null, discountEndsAt: null })
    sub.discounts = ["di_1", discount("Z4OV52SU", "WELCOME20", null)]
    expect(subscriptionState(sub).discount).toBeNull()
  })
})
