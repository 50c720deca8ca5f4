// The one function the pages state a subscription's next charge through (issue 23, item 8).
import { describe, expect, it } from "vitest"
import { chargeLine, needsPreview, nextCharge, type ChargeFacts } from "@/lib/billing/views/charge"

const END = new Date("2027-01-03T12:00:00Z")
const base: ChargeFacts = {
  status: "active",
  quantity: 3,
  unitAmount: 1200,
  currency: "usd",
  cancelAtPeriodEnd: false,
  cancelAt: null,
  currentPeriodEnd: END,
  trialEnd: null,
  discount: null,
  scheduledChange: null,
}

describe("nextCharge", () => {
  it("is price × quantity only when nothing else can be on the invoice", () => {
    expect(nextCharge(base, false)).toEqual({ kind: "charge", amount: 3600, currency: "usd", at: END, from: "price" })
    expect(chargeLine(nextCharge(base, false))).toBe("$36.00 on January 3, 2027")
    expect(needsPreview(base, false)).toBe(false)
  })
  it("is Stripe's preview when there is one, and not stated when one is needed and not read", () => {
    const discounted = { ...base, discount: "WELCOME20" }
    expect(nextCharge(discounted, false)).toEqual({ kind: "unknown" })
    expect(nextCharge({ ...base, scheduledChange: "price_pro" }, false)).toEqual({ kind: "unknown" })
    expect(nextCharge(base, true)).toEqual({ kind: "unknown" }) // STRIPE_TAX: tax is on the invoice
    for (const s of [discounted, { ...base, scheduledChange: "price_pro" }]) expect(needsPreview(s, false)).toBe(true)
    expect(needsPreview(base, true)).toBe(true)
    expect(needsPreview(base, false, true)).toBe(true) // a credit waiting on the balance
    const preview = { ...discounted, upcomingAmount: 3168, upcomingCurrency: "usd", upcomingAt: END }
    expect(chargeLine(nextCharge(preview, true))).toBe("$31.68 on January 3, 2027")
  })
  it("nothing more once a cancellation is scheduled or it ended; not stated while past due or paused", () => {
    expect(nextCharge({ ...base, cancelAtPeriodEnd: true, upcomingAmount: 3600 }, false)).toEqual({ kind: "none" })
    expect(nextCharge({ ...base, cancelAt: END }, false)).toEqual({ kind: "none" })
    expect(nextCharge({ ...base, status: "canceled" }, false)).toEqual({ kind: "none" })
    expect(nextCharge({ ...base, status: "past_due" }, false)).toEqual({ kind: "unknown" })
    expect(nextCharge({ ...base, status: "paused" }, false)).toEqual({ kind: "unknown" })
    expect(needsPreview({ ...base, discount: "X", cancelAtPeriodEnd: true }, false)).toBe(false)
  })
  it("a trial's charge is at the trial's end", () => {
    const trial = { ...base, status: "trialing" as const, trialEnd: new Date("2026-12-17T00:00:00Z") }
    expect(nextCharge(trial, false)).toMatchObject({ amount: 3600, at: trial.trialEnd })
  })
})
