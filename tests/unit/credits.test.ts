// The credit rules without a database: a pack's Checkout event becomes a purchase intent only when it is
// paid for exactly the pack's price; grant events refresh the balance; Free's draw from packs.
import type Stripe from "stripe"
import { describe, expect, it } from "vitest"
import { CREDIT_PACKS, creditExpiry, creditGrantCents, USAGE_METERS } from "@/lib/billing/catalog"
import { intentOf } from "@/lib/stripe"

// allowance.ts is server-only; its pure rules are imported through a path vitest resolves without Next.
const { creditUnitsNeeded, drawFromLots } = await import("@/lib/billing/usage/allowance")

const PACK = CREDIT_PACKS.reports_200
const completed = (session: object) =>
  ({
    id: "evt_1",
    object: "event",
    type: "checkout.session.completed",
    created: 1_700_000_000,
    data: {
      object: {
        id: "cs_1",
        mode: "payment",
        customer: "cus_1",
        payment_status: "paid",
        amount_subtotal: PACK.priceCents,
        amount_total: PACK.priceCents,
        total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
        currency: "usd",
        metadata: { credit_pack: PACK.id },
        ...session,
      },
    },
  }) as unknown as Stripe.Event

describe("credit pack events", () => {
  it("a paid pack session is a purchase intent; unpaid, another amount or no pack is ignored with the reason", () => {
    expect(intentOf(completed({}))).toMatchObject({
      kind: "sync",
      customerId: "cus_1",
      needs: { customer: false, subscriptions: false },
      creditPurchase: { sessionId: "cs_1", packId: PACK.id, amountPaid: PACK.priceCents, paidAt: new Date(1_700_000_000_000) },
    })
    expect(intentOf(completed({ payment_status: "unpaid" }))).toEqual({ kind: "ignore", outcome: "ignored_credit_pack_unpaid" })
    expect(intentOf(completed({ amount_subtotal: 1, amount_total: 1 }))).toEqual({
      kind: "ignore",
      outcome: "ignored_credit_pack_amount_mismatch",
    })
    // A discount taken off the pack is not the pack's price either.
    const discounted = { amount_total: PACK.priceCents - 100, total_details: { amount_discount: 100, amount_shipping: 0, amount_tax: 0 } }
    expect(intentOf(completed(discounted))).toEqual({ kind: "ignore", outcome: "ignored_credit_pack_amount_mismatch" })
    // Stripe Tax on top (STRIPE_TAX): the pack's price plus tax is still the pack.
    const taxed = { amount_total: PACK.priceCents + 190, total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 190 } }
    expect(intentOf(completed(taxed))).toMatchObject({ kind: "sync", creditPurchase: { amountPaid: PACK.priceCents + 190 } })
    expect(intentOf(completed({ metadata: {} }))).toEqual({ kind: "ignore", outcome: "ignored_not_credit_pack" })
    expect(intentOf(completed({ metadata: { credit_pack: "nope" } }))).toEqual({ kind: "ignore", outcome: "ignored_not_credit_pack" })
  })

  it("billing.credit_grant.* marks the balance for a refresh", () => {
    const e = { id: "evt_2", object: "event", type: "billing.credit_grant.updated", created: 1, data: { object: { customer: "cus_2" } } }
    expect(intentOf(e as unknown as Stripe.Event)).toMatchObject({ kind: "sync", customerId: "cus_2", creditBalanceChanged: true })
  })

  it("the grant is the pack's units at Pro's overage price, expiring the catalog's months later", () => {
    expect(creditGrantCents(PACK)).toBe(PACK.units * USAGE_METERS.reports.pro.overageCents)
    expect(creditExpiry(PACK, new Date("2026-01-31T10:00:00Z")).toISOString()).toBe("2027-01-31T10:00:00.000Z")
  })
})

describe("Free's draw from packs", () => {
  it("only the part past the allowance needs credits", () => {
    expect(creditUnitsNeeded(20, 0, 5)).toBe(0)
    expect(creditUnitsNeeded(20, 18, 5)).toBe(3)
    expect(creditUnitsNeeded(20, 25, 5)).toBe(5)
  })

  it("draws from the pack expiring first; refuses when the packs hold less", () => {
    const lots = [
      { id: 1, units: 10, unitsUsed: 0, expiresAt: new Date(2000) },
      { id: 2, units: 10, unitsUsed: 8, expiresAt: new Date(1000) },
    ]
    expect(drawFromLots(lots, 5)).toEqual([
      { id: 2, units: 2 },
      { id: 1, units: 3 },
    ])
    expect(drawFromLots(lots, 12)).toEqual([
      { id: 2, units: 2 },
      { id: 1, units: 10 },
    ])
    expect(drawFromLots(lots, 13)).toBeNull()
    expect(drawFromLots(lots, 0)).toEqual([])
  })
})
