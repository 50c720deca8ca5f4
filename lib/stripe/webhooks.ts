// Webhook signatures and payloads: the only place that parses a Stripe event.
import "server-only"
import type Stripe from "stripe"
import type { EventIntent, VerifiedEvent } from "@/lib/billing/types"
import { stripe } from "./config"
import { intentOf } from "./events"

export type Verification = { ok: true; event: VerifiedEvent; intent: EventIntent } | { ok: false; error: string }

/** Checks the Stripe-Signature header on the raw body (tolerance 300 s), then reads what the event asks for. */
export function verifyWebhook(raw: string, signature: string, secret: string): Verification {
  let event: Stripe.Event
  try {
    event = stripe.webhooks.constructEvent(raw, signature, secret)
  } catch (err) {
    return { ok: false, error: `signature: ${err instanceof Error ? err.message : String(err)}` }
  }
  try {
    const intent = intentOf(event)
    const customerId = intent.kind === "sync" ? intent.customerId : customerIdOf(event)
    return { ok: true, event: { id: event.id, type: event.type, createdAt: new Date(event.created * 1000), customerId, raw }, intent }
  } catch (err) {
    return { ok: false, error: `payload: ${err instanceof Error ? err.message : String(err)}` }
  }
}

/** What applying a stored event takes; the payload was verified when it was stored. */
export function interpretEvent(payload: unknown): EventIntent {
  return intentOf(payload as Stripe.Event)
}

/** For events we do not apply, the customer they name (kept for the record and for `billing:events`). */
function customerIdOf(event: Stripe.Event): string | null {
  const object = event.data.object as { object?: string; id?: string; customer?: string | { id: string } | null }
  if (object.object === "customer") return object.id ?? null
  const customer = object.customer
  return customer == null ? null : typeof customer === "string" ? customer : customer.id
}
