// THE table of Stripe events subkit applies: one entry per event type, each pointing at its handler
// (one file per event in this folder; events applied the same way share one, e.g. customer.subscription.*).
// `satisfies` checks each handler takes exactly its type's event; the endpoint's subscription
// (`npm run stripe:webhook`) is HANDLED_EVENT_TYPES, derived from this table, so the two cannot drift.
// To handle a new event: add `<type-in-kebab-case>.ts` exporting a Handler<"the.type">, register it here.
// No "server-only": scripts/lib/stripe-webhook.ts reads the list of types.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import type { Handler, StripeEventType } from "./handler"
import { creditGrantIntent } from "./billing-credit-grant"
import { checkoutCompletedIntent } from "./checkout-session-completed"
import { checkoutExpiredIntent } from "./checkout-session-expired"
import { customerIntent } from "./customer"
import { subscriptionIntent } from "./customer-subscription"
import { entitlementSummaryIntent } from "./entitlements-active-entitlement-summary-updated"
import { invoiceIntent } from "./invoice"
import { paymentMethodIntent } from "./payment-method"
import { scheduleIntent } from "./subscription-schedule"

export const handlers = {
  "checkout.session.completed": checkoutCompletedIntent,
  "checkout.session.expired": checkoutExpiredIntent,
  "customer.subscription.created": subscriptionIntent,
  "customer.subscription.updated": subscriptionIntent,
  "customer.subscription.deleted": subscriptionIntent,
  "customer.subscription.paused": subscriptionIntent,
  "customer.subscription.resumed": subscriptionIntent,
  "customer.subscription.trial_will_end": subscriptionIntent,
  "customer.subscription.pending_update_applied": subscriptionIntent,
  "customer.subscription.pending_update_expired": subscriptionIntent,
  "invoice.paid": invoiceIntent,
  "invoice.payment_failed": invoiceIntent,
  "invoice.payment_action_required": invoiceIntent,
  // Kept in public.invoices (the manage page's history) as they are finalized, voided or written off.
  "invoice.finalized": invoiceIntent,
  "invoice.voided": invoiceIntent,
  "invoice.marked_uncollectible": invoiceIntent,
  "customer.updated": customerIntent,
  "customer.deleted": customerIntent,
  "payment_method.attached": paymentMethodIntent,
  "payment_method.detached": paymentMethodIntent,
  "payment_method.updated": paymentMethodIntent,
  "entitlements.active_entitlement_summary.updated": entitlementSummaryIntent,
  "subscription_schedule.created": scheduleIntent,
  "subscription_schedule.updated": scheduleIntent,
  "subscription_schedule.released": scheduleIntent,
  "subscription_schedule.canceled": scheduleIntent,
  "subscription_schedule.completed": scheduleIntent,
  // The cached credit balance (credit_balances) is read again when a grant is made, expires or is voided.
  "billing.credit_grant.created": creditGrantIntent,
  "billing.credit_grant.updated": creditGrantIntent,
} satisfies { [T in StripeEventType]?: Handler<T> }

export type HandledEventType = keyof typeof handlers
/** The types the webhook endpoint subscribes to: exactly the table's keys. */
export const HANDLED_EVENT_TYPES = Object.keys(handlers) as HandledEventType[]

export function isHandled(type: string): type is HandledEventType {
  return Object.hasOwn(handlers, type)
}

/** The table's handler for the event; any other type is stored and recorded as ignored. */
export function intentOf(event: Stripe.Event): EventIntent {
  if (!isHandled(event.type)) return { kind: "ignore", outcome: "ignored_type" }
  // The table's `satisfies` ties each key to its handler's event type; TypeScript cannot correlate
  // the key and the event through the index, hence the one widening here.
  const handler = handlers[event.type] as (event: Stripe.Event) => EventIntent
  return handler(event)
}
