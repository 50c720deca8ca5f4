// One handler per Stripe event type. Each re-reads the affected objects from Stripe (the source of
// truth) inside the event's transaction, so any order, duplication or delay of deliveries converges,
// and returns an outcome string that the route logs and subscription_events keeps.
import "server-only"
import { sql } from "drizzle-orm"
import type Stripe from "stripe"
import type { Executor } from "@/lib/db/client"
import { billingCustomers } from "@/lib/db/schema"
import { idOf, invoiceSubscriptionId } from "@/lib/billing/mappers"
import type { HandledEvent } from "@/lib/billing/webhook-events"
import { lockCustomer, syncCustomer, upsertSubscription } from "@/lib/billing/sync"
import { stripe } from "./config"

export type Handler = (event: Stripe.Event, tx: Executor) => Promise<string>

async function syncOneSubscription(tx: Executor, subscriptionId: string, customerId: string) {
  const userId = await lockCustomer(tx, customerId)
  if (!userId) return "ignored_unknown_customer"
  const sub = await stripe.subscriptions.retrieve(subscriptionId)
  await upsertSubscription(tx, sub, userId)
  return `synced_${sub.status}`
}

const onSubscription: Handler = (event, tx) => {
  const sub = event.data.object as Stripe.Subscription
  return syncOneSubscription(tx, sub.id, idOf(sub.customer)!)
}

const onInvoice: Handler = async (event, tx) => {
  const inv = event.data.object as Stripe.Invoice
  const subId = invoiceSubscriptionId(inv)
  if (!subId) return "ignored_not_subscription"
  return syncOneSubscription(tx, subId, idOf(inv.customer)!)
}

const onCustomerChange = (customerOf: (o: Stripe.Event.Data.Object) => string | null): Handler => async (event, tx) => {
  const customerId = customerOf(event.data.object)
  if (!customerId) return "ignored_no_customer"
  return syncCustomer(tx, customerId)
}

// Exactly the types in HANDLED_EVENTS, no more, no fewer (the endpoint subscribes to that list).
export const handlers: Record<HandledEvent, Handler> = {
  "checkout.session.completed": async (event, tx) => {
    const session = event.data.object as Stripe.Checkout.Session
    if (session.mode !== "subscription") return "ignored_not_subscription"
    const customerId = idOf(session.customer)
    const userId = session.client_reference_id
    if (!customerId) return "ignored_no_customer"
    // The mapping is written before Checkout opens; this covers a Checkout created elsewhere for our user.
    if (userId && /^[0-9a-f-]{36}$/i.test(userId)) {
      await tx.execute(sql`insert into ${billingCustomers} (user_id, stripe_customer_id)
        select ${userId}::uuid, ${customerId} where exists (select 1 from public.users where id = ${userId}::uuid)
        on conflict do nothing`)
    }
    return syncCustomer(tx, customerId)
  },
  "customer.subscription.created": onSubscription,
  "customer.subscription.updated": onSubscription,
  "customer.subscription.deleted": onSubscription,
  "customer.subscription.paused": onSubscription,
  "customer.subscription.resumed": onSubscription,
  "customer.subscription.trial_will_end": onSubscription,
  "customer.subscription.pending_update_applied": onSubscription,
  "customer.subscription.pending_update_expired": onSubscription,
  "invoice.paid": onInvoice,
  "invoice.payment_failed": onInvoice,
  "invoice.payment_action_required": onInvoice,
  "customer.updated": onCustomerChange((o) => (o as Stripe.Customer).id),
  "payment_method.attached": onCustomerChange((o) => idOf((o as Stripe.PaymentMethod).customer)),
}
