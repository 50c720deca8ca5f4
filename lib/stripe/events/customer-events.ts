// customer.updated / customer.deleted and payment_method.*: the customer's details or default card.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

type CustomerEvent = Stripe.CustomerUpdatedEvent | Stripe.CustomerDeletedEvent
type PaymentMethodEvent = Stripe.PaymentMethodAttachedEvent | Stripe.PaymentMethodDetachedEvent | Stripe.PaymentMethodUpdatedEvent

export function customerIntent(event: CustomerEvent): EventIntent {
  const previous = (event.type === "customer.updated" ? (event.data.previous_attributes ?? {}) : {}) as {
    invoice_settings?: { default_payment_method?: unknown }
  }
  const newCard = event.type === "customer.updated" && previous.invoice_settings?.default_payment_method !== undefined
  return {
    kind: "sync",
    customerId: event.data.object.id,
    needs: { customer: true, subscriptions: false },
    ...(newCard ? { newCard } : {}),
  }
}

/** The card shown falls back to the subscription's own default, so both parts are read. */
export function paymentMethodIntent(event: PaymentMethodEvent): EventIntent {
  const pm = event.data.object
  // A detached method no longer names its customer; the previous attributes still do.
  const previous = (event.data.previous_attributes ?? {}) as { customer?: string | null }
  const customerId = idOf(pm.customer) ?? previous.customer ?? null
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  const newCard = event.type === "payment_method.attached"
  return { kind: "sync", customerId, needs: { customer: true, subscriptions: true }, ...(newCard ? { newCard } : {}) }
}
