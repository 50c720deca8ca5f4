// Turns a stored subscription (with its plan) into what the describe helpers need.
import type { Describable } from "./describe"
import type { SubscriptionView } from "./queries"
import { nextCharge, type NextCharge } from "./charge"

/** What Stripe charges next for the stored subscription (the one function: ./charge.ts). `tax`: STRIPE_TAX is on. */
export const subscriptionCharge = (s: SubscriptionView, tax: boolean): NextCharge =>
  nextCharge({ ...s, discount: s.discountLabel, scheduledChange: s.scheduledPriceId }, tax)

export function describable(s: SubscriptionView): Describable {
  return {
    status: s.status,
    planName: s.plan?.name ?? "subscription",
    perSeat: s.plan?.perSeat ?? false,
    quantity: s.quantity,
    unitAmount: s.unitAmount,
    currency: s.currency,
    interval: s.interval,
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    cancelAt: s.cancelAt,
    currentPeriodEnd: s.currentPeriodEnd,
    endedAt: s.endedAt,
    trialEnd: s.trialEnd,
    discount:
      s.discountLabel && s.discountDuration
        ? {
            label: s.discountLabel,
            percentOff: s.discountPercentOff,
            amountOff: s.discountAmountOff,
            currency: s.discountCurrency,
            duration: s.discountDuration,
            endsAt: s.discountEndsAt,
          }
        : null,
  }
}
