// Every object the emulator returns starts from defaults.json: each field Stripe always sends at the
// pinned API version, set to Stripe's default for a field nobody set (null / 0 / false / []), derived
// from the `stripe` package's types by contract/gen-defaults.ts. Handlers write what they compute over it.
import { readFileSync } from "node:fs"
import path from "node:path"

const defaults = JSON.parse(readFileSync(path.join(import.meta.dirname, "defaults.json"), "utf8")) as Record<
  string,
  Record<string, unknown>
>

type ObjectName =
  | "product"
  | "price"
  | "customer"
  | "payment_method"
  | "payment_intent"
  | "checkout.session"
  | "subscription"
  | "subscription_item"
  | "invoice"
  | "line_item"
  | "billing_portal.configuration"
  | "billing_portal.session"
  | "event"
  | "webhook_endpoint"
  | "test_helpers.test_clock"
  | "item"
  | "coupon"
  | "promotion_code"
  | "discount"
  | "billing.meter"
  | "subscription_schedule"
  | "customer_balance_transaction"

/** A fresh `name` object with Stripe's defaults and `fields` written over it. */
export function fromDefaults<T>(name: ObjectName, fields: Partial<T> & { id: string }): T {
  const base = structuredClone(defaults[name])
  if (!base) throw new Error(`no defaults for ${name}`)
  return { ...base, ...("livemode" in base ? { livemode: false } : {}), ...("metadata" in base ? { metadata: {} } : {}), ...fields } as T
}
