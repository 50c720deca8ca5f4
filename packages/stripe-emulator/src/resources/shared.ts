// What the resource modules share: the handler type, stored shapes, small helpers.
import type Stripe from "stripe"
import { MISSING_PM_BEHAVIORS, type MissingPaymentMethod } from "../billing"
import { invalid } from "../errors"
import type { Outcome } from "../cards"
import type { Ctx } from "../context"
import { allow, obj, str, type Params } from "../params"

/** The path parameters Stripe's URLs have here (`/v1/customers/:id`, `/v1/products/:product/features/:id`); "" where a route has none. */
export type PathParams = { id: string; product: string }
export type Handler = (ctx: Ctx, p: Params, path: PathParams) => unknown
export type StoredPm = Stripe.PaymentMethod & { _outcome: Outcome }
export type StoredSession = Stripe.Checkout.Session & {
  _line_items: { price: string; quantity: number }[]
  /** Metered prices added to the subscription after the licensed item (no quantity, nothing due now). */
  _metered?: string[]
  /** payment_intent_data of a payment-mode session: given to the PaymentIntent made when it is paid. */
  _payment_intent_data?: { metadata: Record<string, string>; description: string | null }
  _subscription_data: {
    metadata: Record<string, string>
    trial_period_days?: number
    description?: string
    missing_payment_method?: MissingPaymentMethod
  }
}

/** `trial_settings[end_behavior][missing_payment_method]` of a create call, checked like Stripe does. */
export function trialSettings(p: Params, prefix = ""): MissingPaymentMethod | undefined {
  const ts = obj(p, "trial_settings")
  if (!ts) return undefined
  const base = prefix ? `${prefix}[trial_settings]` : "trial_settings"
  allow(ts, ["end_behavior"], base)
  const eb = obj(ts, "end_behavior")
  if (!eb) return undefined
  allow(eb, ["missing_payment_method"], `${base}[end_behavior]`)
  const v = str(eb, "missing_payment_method")
  const param = `${base}[end_behavior][missing_payment_method]`
  if (v === undefined) return undefined
  if (!MISSING_PM_BEHAVIORS.includes(v)) throw invalid(param, `Invalid ${param}: must be one of ${MISSING_PM_BEHAVIORS.join(", ")}`)
  return v
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
