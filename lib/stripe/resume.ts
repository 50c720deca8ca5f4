// Resuming a paused subscription (a card-less trial that ended paused): one call. Stripe starts a new
// period now and charges its invoice at once; with resume_on_payment_success a declined charge leaves
// the subscription paused instead of resuming it past_due.
import "server-only"
import type { SubscriptionStatus } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"
import { toStatus } from "./mappers"

export async function resumeSubscription(subscriptionId: string): Promise<SubscriptionStatus> {
  const sub = await stripeCall(() =>
    stripe.subscriptions.resume(subscriptionId, { billing_cycle_anchor: { type: "now" }, payment_behavior: "resume_on_payment_success" }),
  )
  return toStatus(sub.status)
}
