// What the manage page shows, decided here from the user's rows (the page only lays it out).
import "server-only"
import { cardLine, endsOn, type Describable } from "./describe"
import { getBillingCustomer, getCurrentSubscription, trialWillEndReceived } from "./queries"
import { subscriptionTrialNotice, type TrialNotice } from "./trial-notice"
import { describable } from "./describable"
import { planById } from "../catalog"
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
      scheduledChange: { planName: string; interval: "day" | "week" | "month" | "year" | null; quantity: number; at: Date } | null
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
          }
        : null,
    plan:
      subscription.planId && (subscription.interval === "month" || subscription.interval === "year")
        ? { id: subscription.planId, interval: subscription.interval }
        : null,
  }
}
