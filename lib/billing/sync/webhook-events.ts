// The Stripe event types subkit applies: `npm run stripe:webhook` subscribes the endpoint to exactly
// these, and lib/stripe/events interprets each (a unit test checks the two agree).
export const WEBHOOK_EVENT_TYPES = [
  "checkout.session.completed",
  "checkout.session.expired",
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
  "customer.deleted",
  "payment_method.attached",
  "payment_method.detached",
  "payment_method.updated",
  "entitlements.active_entitlement_summary.updated",
] as const
