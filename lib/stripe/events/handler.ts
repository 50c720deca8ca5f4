// The shape of one event handler: Stripe's typed event in, what applying it takes out (an EventIntent:
// the reads a sync needs, or `ignore` with the outcome recorded on the inbox row). Pure: no I/O.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"

export type StripeEventType = Stripe.Event["type"]
/** The SDK's event narrowed to one type, so a handler reads `event.data.object` without casts. */
export type EventOf<T extends StripeEventType> = Extract<Stripe.Event, { type: T }>
export type Handler<T extends StripeEventType> = (event: EventOf<T>) => EventIntent
