// Stripe events → what applying them takes: the handler table (handlers.ts) and its derived list of types.
import "server-only"
export { HANDLED_EVENT_TYPES, handlers, intentOf, isHandled } from "./handlers"
export type { HandledEventType } from "./handlers"
export type { EventOf, Handler, StripeEventType } from "./handler"
