// The Stripe event types subkit handles: the single list that the webhook handlers are typed
// against (lib/stripe/webhook-handlers.ts) and that `npm run stripe:webhook` subscribes the
// endpoint to. Add a type here and TypeScript asks for its handler; remove one and it refuses the
// leftover handler. Unknown types that still arrive are recorded and answered 200 (ignored_type).
import type Stripe from "stripe"

export const HANDLED_EVENTS = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "customer.subscription.trial_will_end",
  "customer.subscription.pending_update_applied",
  "customer.subscription.pending_update_expired",
  "invoice.paid",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "customer.updated",
  "payment_method.attached",
] as const satisfies readonly Stripe.Event.Type[]

export type HandledEvent = (typeof HANDLED_EVENTS)[number]
