// payment_method.attached / detached / updated: the default card shown may change.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

type PaymentMethodEvent = Stripe.PaymentMethodAttachedEvent | Stripe.PaymentMethodDetachedEvent | Stripe.PaymentMethodUpdatedEvent

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
