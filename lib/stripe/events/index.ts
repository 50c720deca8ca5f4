// Stripe events → what applying them takes. Narrowing on the SDK's typed events (one module per
// family) keeps every handler free of casts; unknown types are stored and recorded as ignored.
import "server-only"
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { checkoutCompletedIntent, checkoutExpiredIntent } from "./checkout-events"
import { customerIntent, paymentMethodIntent } from "./customer-events"
import { entitlementSummaryIntent } from "./entitlement-events"
import { invoiceIntent } from "./invoice-events"
import { subscriptionIntent } from "./subscription-events"

export function intentOf(event: Stripe.Event): EventIntent {
  switch (event.type) {
    case "checkout.session.completed":
      return checkoutCompletedIntent(event)
    case "checkout.session.expired":
      return checkoutExpiredIntent(event)
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.paused":
    case "customer.subscription.resumed":
    case "customer.subscription.trial_will_end":
    case "customer.subscription.pending_update_applied":
    case "customer.subscription.pending_update_expired":
      return subscriptionIntent(event)
    case "invoice.paid":
    case "invoice.payment_failed":
    case "invoice.payment_action_required":
    case "invoice.finalized":
    case "invoice.voided":
    case "invoice.marked_uncollectible":
      return invoiceIntent(event)
    case "customer.updated":
    case "customer.deleted":
      return customerIntent(event)
    case "payment_method.attached":
    case "payment_method.detached":
    case "payment_method.updated":
      return paymentMethodIntent(event)
    case "entitlements.active_entitlement_summary.updated":
      return entitlementSummaryIntent(event)
    default:
      return { kind: "ignore", outcome: "ignored_type" }
  }
}
