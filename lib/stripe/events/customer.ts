// customer.updated / customer.deleted: the customer's details or default card.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"

type CustomerEvent = Stripe.CustomerUpdatedEvent | Stripe.CustomerDeletedEvent

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
