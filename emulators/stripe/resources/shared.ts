// What the resource modules share: the handler type, stored shapes, small helpers.
import type Stripe from "stripe"
import type { Outcome } from "../cards"
import type { Ctx } from "../context"
import { allow, type Params } from "../params"

export type Handler = (ctx: Ctx, p: Params, path: Record<string, string>) => unknown
export type StoredPm = Stripe.PaymentMethod & { _outcome: Outcome }
export type StoredSession = Stripe.Checkout.Session & {
  _line_items: { price: string; quantity: number }[]
  _subscription_data: { metadata: Record<string, string>; trial_period_days?: number; description?: string }
}
export type Endpoint = Stripe.WebhookEndpoint & { secret: string }

export const ADDRESS_KEYS = ["line1", "line2", "city", "state", "postal_code", "country"]
export function address(p: Params | undefined, param: string, current: Stripe.Address | null = null): Stripe.Address | null {
  if (p === undefined) return current
  allow(p, ADDRESS_KEYS, param)
  const next = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...(current ?? {}) } as Stripe.Address
  for (const k of ADDRESS_KEYS)
    if (typeof p[k] === "string") (next as unknown as Record<string, string | null>)[k] = (p[k] as string) || null
  return next
}

/** Stripe's previous_attributes: the old values of the top-level fields that changed. */
export function changedFrom(before: Record<string, unknown>, after: object) {
  const previous: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(v) !== JSON.stringify(before[k])) previous[k] = before[k]
  return previous
}

export const liveCustomer = (ctx: Ctx, id: string, param = "id") => ctx.store.get<Stripe.Customer>(id, "customer", "customer", param)
