import { describe, expect, it } from "vitest"
import { trialNotice, type TrialFacts } from "@/lib/billing/views/trial-notice"

const base: TrialFacts = {
  status: "trialing",
  trialEnd: new Date("2026-12-09T10:00:00Z"),
  hasCard: true,
  missingPaymentMethod: "create_invoice",
  price: "$12.00",
}

describe("trial notice: when the trial ends and what happens then", () => {
  it("with a card: charged at the end", () => {
    expect(trialNotice(base)).toEqual({ endsOn: "December 9, 2026", then: "Your card will then be charged $12.00." })
    // Not known yet (a preview the sync has not read): no amount rather than a wrong one.
    expect(trialNotice({ ...base, price: null })?.then).toBe("Your card will then be charged.")
  })
  it("without a card, per trial_settings.end_behavior.missing_payment_method", () => {
    expect(trialNotice({ ...base, hasCard: false, missingPaymentMethod: "pause" })?.then).toBe(
      "Add a payment method before then, or your subscription will be paused until you add one.",
    )
    expect(trialNotice({ ...base, hasCard: false, missingPaymentMethod: "cancel" })?.then).toBe(
      "Add a payment method before then, or your subscription will be canceled.",
    )
    expect(trialNotice({ ...base, hasCard: false, missingPaymentMethod: "create_invoice" })?.then).toMatch(/past due/)
  })
  it("nothing once the subscription is no longer trialing", () => {
    expect(trialNotice({ ...base, status: "active" })).toBeNull()
    expect(trialNotice({ ...base, trialEnd: null })).toBeNull()
  })
})
