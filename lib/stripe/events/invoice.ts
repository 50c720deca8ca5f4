// invoice.paid / payment_failed / payment_action_required: a subscription's invoice changes its status.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf, invoiceSubscriptionId } from "../mappers"

type InvoiceEvent = Stripe.InvoicePaidEvent | Stripe.InvoicePaymentFailedEvent | Stripe.InvoicePaymentActionRequiredEvent

export function invoiceIntent(event: InvoiceEvent): EventIntent {
  const invoice = event.data.object
  const subscriptionId = invoiceSubscriptionId(invoice)
  if (!subscriptionId) return { kind: "ignore", outcome: "ignored_not_subscription" }
  const customerId = idOf(invoice.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  return { kind: "sync", customerId, needs: { customer: false, subscriptions: true }, subscriptionId }
}
