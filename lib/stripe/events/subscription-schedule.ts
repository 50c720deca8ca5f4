// subscription_schedule.*: a plan change scheduled, started, released or canceled. The subscription
// (read with its schedule expanded) says what is scheduled, so the customer's subscriptions are re-read.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

type ScheduleEvent =
  | Stripe.SubscriptionScheduleCreatedEvent
  | Stripe.SubscriptionScheduleUpdatedEvent
  | Stripe.SubscriptionScheduleReleasedEvent
  | Stripe.SubscriptionScheduleCanceledEvent
  | Stripe.SubscriptionScheduleCompletedEvent

export function scheduleIntent(event: ScheduleEvent): EventIntent {
  const schedule = event.data.object
  const customerId = idOf(schedule.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  const subscriptionId = idOf(schedule.subscription) ?? schedule.released_subscription ?? undefined
  return { kind: "sync", customerId, needs: { customer: false, subscriptions: true }, ...(subscriptionId ? { subscriptionId } : {}) }
}
