// customer.subscription.*: re-read the customer's subscriptions; the outcome names the new status.
import type Stripe from "stripe"
import type { EmailHint, EventIntent } from "@/lib/billing/types"
import { fromUnix, idOf } from "../mappers"

type SubscriptionEvent =
  | Stripe.CustomerSubscriptionCreatedEvent
  | Stripe.CustomerSubscriptionUpdatedEvent
  | Stripe.CustomerSubscriptionDeletedEvent
  | Stripe.CustomerSubscriptionPausedEvent
  | Stripe.CustomerSubscriptionResumedEvent
  | Stripe.CustomerSubscriptionTrialWillEndEvent
  | Stripe.CustomerSubscriptionPendingUpdateAppliedEvent
  | Stripe.CustomerSubscriptionPendingUpdateExpiredEvent

export function subscriptionIntent(event: SubscriptionEvent): EventIntent {
  const sub = event.data.object
  const customerId = idOf(sub.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  const email = emailOf(event)
  return { kind: "sync", customerId, needs: { customer: false, subscriptions: true }, subscriptionId: sub.id, ...(email ? { email } : {}) }
}

type Previous = {
  cancel_at_period_end?: boolean
  cancel_at?: number | null
  quantity?: number
  items?: { data?: { quantity?: number }[] }
}

/** The emails a subscription event asks for: trial ending, cancelled, will cancel (turned on now), seats changed. */
function emailOf(event: SubscriptionEvent): EmailHint | null {
  const sub = event.data.object
  if (event.type === "customer.subscription.trial_will_end") return { template: "trial_ending", trialEndsAt: fromUnix(sub.trial_end) }
  if (event.type === "customer.subscription.deleted")
    return { template: "subscription_cancelled", endedAt: fromUnix(sub.ended_at) ?? fromUnix(event.created) }
  if (event.type !== "customer.subscription.updated") return null
  const prev = (event.data.previous_attributes ?? {}) as Previous
  const canceling = sub.cancel_at_period_end || sub.cancel_at != null
  const wasCanceling =
    ("cancel_at_period_end" in prev ? prev.cancel_at_period_end === true : sub.cancel_at_period_end) ||
    ("cancel_at" in prev ? prev.cancel_at != null : sub.cancel_at != null)
  if (canceling && !wasCanceling && sub.status !== "canceled")
    return { template: "subscription_will_cancel", endsAt: fromUnix(sub.cancel_at) ?? fromUnix(sub.items?.data?.[0]?.current_period_end) }
  const now = sub.items?.data?.[0]?.quantity ?? null
  const before = prev.quantity ?? prev.items?.data?.[0]?.quantity
  if (now != null && before != null && before !== now) return { template: "seats_changed", from: before, to: now }
  return null
}
