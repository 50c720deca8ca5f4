import { describe, expect, it } from "vitest"
import { trialEligibility, type PastSubscription } from "@/lib/billing/checkout/trial-eligibility"

const day = new Date("2026-11-01T00:00:00Z")
const trialed = (status: PastSubscription["status"]): PastSubscription => ({ status, trialStart: day })
const paid = (status: PastSubscription["status"]): PastSubscription => ({ status, trialStart: null })

describe("trial eligibility: one trial per user and per Stripe customer", () => {
  it("a brand-new user with a brand-new customer gets the trial", () => {
    expect(trialEligibility({ ours: [], stripe: [] })).toEqual({ eligible: true })
  })

  it("already trialing: no second trial", () => {
    expect(trialEligibility({ ours: [trialed("trialing")], stripe: [trialed("trialing")] })).toEqual({
      eligible: false,
      reason: "had_trial",
    })
  })

  it("resubscribing after a canceled trial: no trial", () => {
    expect(trialEligibility({ ours: [trialed("canceled")], stripe: [trialed("canceled")] })).toEqual({
      eligible: false,
      reason: "had_trial",
    })
  })

  it("resubscribing after a paid subscription without a trial: no trial (not a new customer)", () => {
    expect(trialEligibility({ ours: [paid("canceled")], stripe: [] })).toEqual({ eligible: false, reason: "had_subscription" })
  })

  it("second customer (the first was deleted at Stripe): our rows for the old customer still count", () => {
    expect(trialEligibility({ ours: [trialed("canceled")], stripe: [] })).toEqual({ eligible: false, reason: "had_trial" })
  })

  it("a trial Stripe knows about but our database never recorded (webhook lag, another app) counts", () => {
    expect(trialEligibility({ ours: [], stripe: [trialed("trialing")] })).toEqual({ eligible: false, reason: "had_trial" })
  })

  it("a first payment that failed and expired does not use up the trial", () => {
    expect(trialEligibility({ ours: [paid("incomplete_expired")], stripe: [paid("incomplete")] })).toEqual({ eligible: true })
  })

  it("a trial that ended unpaid (paused) still counts", () => {
    expect(trialEligibility({ ours: [trialed("paused")], stripe: [] }).eligible).toBe(false)
  })

  // Teams: a member's seat is paid by the owner's subscription, which is not in the member's history.
  it("team: a member who never subscribed gets a trial of their own when they subscribe", () => {
    const ownersTeamTrial = trialed("trialing") // the owner's row, user_subscriptions.user_id = owner
    expect(trialEligibility({ ours: [], stripe: [] })).toEqual({ eligible: true })
    expect(trialEligibility({ ours: [ownersTeamTrial], stripe: [] }).eligible).toBe(false) // …and the owner gets none
  })

  it("team: an owner who trialed Team gets no second trial on Pro, on any customer", () => {
    expect(trialEligibility({ ours: [trialed("canceled")], stripe: [] })).toEqual({ eligible: false, reason: "had_trial" })
    expect(trialEligibility({ ours: [], stripe: [trialed("active")] })).toEqual({ eligible: false, reason: "had_trial" })
  })
})
