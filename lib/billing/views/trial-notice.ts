// What a trialing subscription's pages say about the trial's end (pure: unit-tested). Stripe charges
// the card on file when the trial ends; without one it follows
// trial_settings.end_behavior.missing_payment_method (cancel, pause, or an invoice that cannot be paid).
import type { TrialEndBehavior } from "../types"
import { formatDate } from "./describe"
import { chargeAmount, type NextCharge } from "./charge"

export type TrialFacts = {
  status: string
  trialEnd: Date | null
  /** A card Stripe can charge: the subscription's own or the customer's default. */
  hasCard: boolean
  missingPaymentMethod: TrialEndBehavior | null
  /** What the first charge will be ("$12.00": ./charge.ts, Stripe's preview after a discount, every seat, tax), or null when not known yet. */
  price: string | null
}

export type TrialNotice = { endsOn: string; then: string }

export function trialNotice(f: TrialFacts): TrialNotice | null {
  if (f.status !== "trialing" || !f.trialEnd) return null
  const endsOn = formatDate(f.trialEnd)
  if (f.hasCard) return { endsOn, then: f.price ? `Your card will then be charged ${f.price}.` : "Your card will then be charged." }
  const otherwise =
    f.missingPaymentMethod === "pause"
      ? "your subscription will be paused until you add one"
      : f.missingPaymentMethod === "cancel"
        ? "your subscription will be canceled"
        : "the first invoice cannot be paid and your subscription will be past due"
  return { endsOn, then: `Add a payment method before then, or ${otherwise}.` }
}

/**
 * The notice for a subscription as the pages load it; `card` is the subscription's or the customer's default,
 * `charge` its next charge (./charge.ts: Stripe's preview where price × quantity could be wrong).
 */
export function subscriptionTrialNotice(
  s: { status: string; trialEnd: Date | null; trialMissingPaymentMethod: TrialEndBehavior | null },
  charge: NextCharge,
  card: unknown,
): TrialNotice | null {
  return trialNotice({
    status: s.status,
    trialEnd: s.trialEnd,
    hasCard: Boolean(card),
    missingPaymentMethod: s.trialMissingPaymentMethod,
    price: chargeAmount(charge),
  })
}
