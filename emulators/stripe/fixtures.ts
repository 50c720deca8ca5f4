// Stripe's own example objects (fixtures.json: extracted from Stripe's OpenAPI repository,
// MIT-licensed, at the API version the pinned `stripe` package speaks). Every object the emulator
// returns starts as a deep copy of its fixture, so fields we do not model still have Stripe's shape.
import { readFileSync } from "node:fs"
import path from "node:path"

const fixtures = JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures.json"), "utf8")) as Record<string, Record<string, unknown>>

type FixtureName =
  | "product" | "price" | "customer" | "payment_method" | "checkout.session" | "subscription" | "subscription_item"
  | "invoice" | "line_item" | "billing_portal.configuration" | "billing_portal.session" | "event" | "webhook_endpoint"
  | "test_helpers.test_clock" | "item"

/** A fresh copy of Stripe's example `name` object with `fields` written over it. */
export function fromFixture<T>(name: FixtureName, fields: Partial<T> & { id: string }): T {
  const base = structuredClone(fixtures[name])
  if (!base) throw new Error(`no fixture for ${name}`)
  return { ...base, livemode: false, metadata: {}, ...fields } as T
}
