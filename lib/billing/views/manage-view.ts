// What the manage page shows, decided here from the user's rows (the page only lays it out).
import "server-only"
import { cardLine, endsOn, formatMoney, type Describable } from "./describe"
import { getBillingCustomer, getCurrentSubscription, trialWillEndReceived } from "./queries"
import { subscriptionTrialNotice, type TrialNotice } from "./trial-notice"
import { describable } from "./describable"
import { planById } from "../catalog"
import { retentionOfferOf } from "../portal/retention"
import { graceEndsAt, hasEnded, needsPaymentFix } from "../status"

export type ManageView =
  | { kind: "none" }
  | { kind: "ended"; endedAt: Date | null }
  | {
      kind: "live"
      subscription: Describable
      /** past_due / unpaid: the customer must fix the card to keep the plan. */
      paymentProblem: boolean
      /** past_due: when the paid features lock unless the invoice is paid (GRACE_POLICY); null otherwise. */
      graceEndsAt: Date | null
      /** Paused (a card-less trial ended so): it comes back only when the customer resumes it. */
      paused: boolean
      /** A scheduled cancellation: the plan ends on this date unless renewed. */
      endsOn: Date | null
      /** "Visa ending in 4242, expires 12/2034", or null when no card is on file. */
      card: string | null
      /** While trialing: when the trial ends and what happens then. */
      trial: TrialNotice | null
      /** Stripe's customer.subscription.trial_will_end (3 days before the end) has been received for this trial. */
      trialEndingSoon: boolean
      /** A plan change waiting for the period's end (a subscription schedule's next phase): "Changes to X on DATE". */
      scheduledChange: {
        planName: string
        interval: "day" | "week" | "month" | "year" | null
        quantity: number
        at: Date
        /** Stripe's preview of the first invoice at the change (the sync's upcoming_amount), when read. */
        amount: string | null
      } | null
      /** The retention offer the customer accepted in the cancel flow, while its discount is on: what and until when. */
      retentionAccepted: { label: string; endsAt: Date | null; acceptedAt: Date | null } | null
      /** The reason the customer chose when cancelling (Stripe's cancellation_details.feedback), if any. */
      cancellationFeedback: string | null
      /** The current plan and interval, when they are ones the in-app plan change knows. */
      plan: { id: string; interval: "month" | "year" } | null
    }

export async function loadManageView(userId: string): Promise<ManageView> {
  const [subscription, customer] = await Promise.all([getCurrentSubscription(userId), getBillingCustomer(userId)])
  if (!subscription) return { kind: "none" }
  if (hasEnded(subscription.status)) return { kind: "ended", endedAt: subscription.endedAt }
  const d = describable(subscription)
  const card = customer?.defaultPaymentMethod
  const trial = subscriptionTrialNotice(subscription, d, card)
  const offer = await retentionOfferOf(subscription.stripeCustomerId)
  return {
    kind: "live",
    subscription: d,
    paymentProblem: needsPaymentFix(subscription.status),
    graceEndsAt: graceEndsAt(subscription),
    paused: subscription.status === "paused",
    endsOn: endsOn(d),
    card: card ? `${cardLine(card)}, expires ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}` : null,
    trial,
    trialEndingSoon: trial !== null && (await trialWillEndReceived(subscription)),
    scheduledChange:
      subscription.scheduledPriceId && subscription.scheduledChangeAt
        ? {
            planName: (subscription.scheduledPlanId && planById(subscription.scheduledPlanId)?.name) || "another plan",
            interval: subscription.scheduledInterval,
            quantity: subscription.scheduledQuantity ?? 1,
            at: subscription.scheduledChangeAt,
            amount:
              subscription.upcomingAmount != null && subscription.upcomingAt?.getTime() === subscription.scheduledChangeAt.getTime()
                ? formatMoney(subscription.upcomingAmount, subscription.upcomingCurrency ?? subscription.currency ?? "usd")
                : null,
          }
        : null,
    retentionAccepted:
      offer?.outcome === "accepted" && subscription.discountCouponId === offer.couponId && subscription.discountLabel
        ? { label: subscription.discountLabel, endsAt: subscription.discountEndsAt, acceptedAt: offer.decidedAt }
        : null,
    cancellationFeedback: subscription.cancellationFeedback,
    plan:
      subscription.planId && (subscription.interval === "month" || subscription.interval === "year")
        ? { id: subscription.planId, interval: subscription.interval }
        : null,
  }
}
