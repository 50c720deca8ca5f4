// invoice.paid / payment_failed / payment_action_required / finalized / voided / marked_uncollectible: a subscription invoice changed.
import type Stripe from "stripe"
import type { EmailHint, EventIntent } from "@/lib/billing/types"
import { fromUnix, idOf, invoiceSubscriptionId } from "../mappers"

type InvoiceEvent =
  | Stripe.InvoicePaidEvent
  | Stripe.InvoicePaymentFailedEvent
  | Stripe.InvoicePaymentActionRequiredEvent
  | Stripe.InvoiceFinalizedEvent
  | Stripe.InvoiceVoidedEvent
  | Stripe.InvoiceMarkedUncollectibleEvent

/** A subscription's invoice changed: its subscription is re-read, the invoice itself too (public.invoices). */
export function invoiceIntent(event: InvoiceEvent): EventIntent {
  const invoice = event.data.object
  const subscriptionId = invoiceSubscriptionId(invoice)
  if (!subscriptionId) return { kind: "ignore", outcome: "ignored_not_subscription" }
  const customerId = idOf(invoice.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  const email = emailOf(event)
  return {
    kind: "sync",
    customerId,
    needs: { customer: false, subscriptions: true },
    subscriptionId,
    ...(invoice.id ? { invoiceId: invoice.id } : {}),
    ...(email ? { email } : {}),
  }
}

function emailOf(event: InvoiceEvent): EmailHint | null {
  if (event.type !== "invoice.payment_failed" && event.type !== "invoice.payment_action_required") return null
  const inv = event.data.object
  return {
    template: event.type === "invoice.payment_failed" ? "payment_failed" : "payment_action_required",
    amount: inv.amount_remaining ?? inv.amount_due,
    currency: inv.currency,
    invoiceNumber: inv.number ?? null,
    hostedInvoiceUrl: inv.hosted_invoice_url ?? null,
    nextAttemptAt: fromUnix(inv.next_payment_attempt),
  }
}
