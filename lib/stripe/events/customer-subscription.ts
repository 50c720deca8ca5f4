// customer.subscription.*: re-read the customer's subscriptions; the outcome names the new status.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

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
  return { kind: "sync", customerId, needs: { customer: false, subscriptions: true }, subscriptionId: sub.id }
}
