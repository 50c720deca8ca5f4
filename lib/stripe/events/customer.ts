// customer.updated / customer.deleted: the customer's details or default card; a changed invoice balance
// (a credit or debit the next invoice draws on) re-reads the subscriptions too, for their next charge.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"

type CustomerEvent = Stripe.CustomerUpdatedEvent | Stripe.CustomerDeletedEvent

export function customerIntent(event: CustomerEvent): EventIntent {
  const previous = (event.type === "customer.updated" ? (event.data.previous_attributes ?? {}) : {}) as {
    invoice_settings?: { default_payment_method?: unknown }
    balance?: unknown
  }
  const newCard = event.type === "customer.updated" && previous.invoice_settings?.default_payment_method !== undefined
  return {
    kind: "sync",
    customerId: event.data.object.id,
    // The next charge is Stripe's preview while the balance is not 0 (lib/stripe/customers.ts): re-read it.
    needs: { customer: true, subscriptions: previous.balance !== undefined },
    ...(newCard ? { newCard } : {}),
  }
}
