// A monthly renewal as Stripe delivers it, per customer: invoice.created, invoice.finalized,
// invoice.paid, payment_intent.succeeded, customer.subscription.updated (in that order, seconds apart).
import Stripe from "stripe"
import type { Delivery } from "./load"

const RENEWAL = [
  "invoice.created",
  "invoice.finalized",
  "invoice.paid",
  "payment_intent.succeeded",
  "customer.subscription.updated",
] as const

export function renewalBurst(tag: string, subs: Stripe.Subscription[], eventsPerCustomer: number, secret: string): Delivery[] {
  const now = Math.floor(Date.now() / 1000)
  return subs.flatMap((sub, c) =>
    Array.from({ length: eventsPerCustomer }, (_, k) => {
      const type = RENEWAL[k % RENEWAL.length] ?? "customer.subscription.updated"
      const customer = typeof sub.customer === "string" ? sub.customer : sub.customer.id
      const object =
        type === "customer.subscription.updated"
          ? sub
          : type === "payment_intent.succeeded"
            ? { id: `pi_${tag}_${c}`, object: "payment_intent", customer, status: "succeeded" }
            : {
                // The renewal's invoice is the subscription's latest one, as in a real renewal (the app
                // reads it with the subscriptions; a made-up id would cost a retrieve per customer).
                id: (typeof sub.latest_invoice === "string" ? sub.latest_invoice : sub.latest_invoice?.id) ?? `in_${tag}_${c}`,
                object: "invoice",
                customer,
                status: type === "invoice.paid" ? "paid" : "open",
                parent: { type: "subscription_details", subscription_details: { subscription: sub.id } },
              }
      const id = `evt_${tag}_${c}_${k}`
      const payload = JSON.stringify({
        id,
        object: "event",
        api_version: Stripe.API_VERSION,
        created: now,
        type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object },
      })
      return { id, payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret }) }
    }),
  )
}
