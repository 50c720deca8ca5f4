// The one-trial rule, as a pure function so it can be tested without Stripe or a database.
// A user gets a free trial only as a new customer: never after a trial (ours or Stripe's, on this
// customer or a replaced one), and never after having paid, so cancel → resubscribe cannot farm trials.
import type { SubscriptionStatus } from "../types"

export type PastSubscription = { status: SubscriptionStatus; trialStart: Date | null }

export type TrialHistory = {
  /** Every user_subscriptions row of the user, across all of their Stripe customers. */
  ours: readonly PastSubscription[]
  /** Every subscription Stripe has for the user's current customer (status=all). */
  stripe: readonly PastSubscription[]
}

export type TrialDecision = { eligible: true } | { eligible: false; reason: "had_trial" | "had_subscription" }

/** A first payment that failed and expired never gave the user anything: it does not use up the trial. */
const NEVER_STARTED: ReadonlySet<SubscriptionStatus> = new Set(["incomplete", "incomplete_expired"])

export function trialEligibility(history: TrialHistory): TrialDecision {
  const all = [...history.ours, ...history.stripe]
  if (all.some((s) => s.trialStart !== null)) return { eligible: false, reason: "had_trial" }
  if (all.some((s) => !NEVER_STARTED.has(s.status))) return { eligible: false, reason: "had_subscription" }
  return { eligible: true }
}
