// Writes packages/stripe-emulator/src/defaults.json: for each object the emulator returns, every field Stripe
// always sends at the pinned version, set to Stripe's default for a field nobody set (null where the
// field is nullable, else 0 / false / [] / {}). Fixture values are used only for non-nullable
// enums (a non-nullable enum has no neutral value), never for strings, numbers or nullable fields.
// Run: npx tsx packages/stripe-emulator/src/contract/gen-defaults.ts   (packages/stripe-emulator/test/unit/contract.test.ts checks it is current)
import { readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { loadShapes, type Shape, type Shapes } from "./shapes"

export const DEFAULTS_FILE = path.resolve(import.meta.dirname, "../defaults.json")
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures.json")

/** The objects the emulator builds (keys of shapes.roots). */
export const BUILT = [
  "product",
  "price",
  "customer",
  "payment_method",
  "payment_intent",
  "checkout.session",
  "subscription",
  "subscription_item",
  "invoice",
  "line_item",
  "item",
  "billing_portal.configuration",
  "billing_portal.session",
  "event",
  "webhook_endpoint",
  "test_helpers.test_clock",
  "coupon",
  "promotion_code",
  "discount",
  "billing.meter",
  "subscription_schedule",
  "customer_balance_transaction",
]

export function generateDefaults(shapes: Shapes): Record<string, unknown> {
  const fixtures = JSON.parse(readFileSync(FIXTURES, "utf8")) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const name of BUILT) out[name] = blank(shapes, { t: "ref", name: shapes.roots[name] as string }, fixtures[name], new Set())
  return out
}

function blank(shapes: Shapes, shape: Shape, example: unknown, seen: Set<string>): unknown {
  switch (shape.t) {
    case "null":
      return null
    case "number":
      return 0
    case "boolean":
      return false
    case "string":
      return "" // the emulator sets every string it knows (ids, currency, urls)
    case "enum":
      return typeof example === "string" && (shape.values.length === 0 || shape.values.includes(example))
        ? example
        : (shape.values[0] ?? "")
    case "array":
      return []
    case "map":
    case "any":
    case "resource":
      return {}
    case "union":
      if (shape.of.some((m) => m.t === "null")) return null
      return blank(shapes, shape.of[0] as Shape, example, seen)
    case "ref": {
      if (seen.has(shape.name)) return null
      const def = shapes.defs[shape.name] as Shape
      return blank(shapes, def, example, new Set([...seen, shape.name]))
    }
    case "object": {
      const ex = example && typeof example === "object" ? (example as Record<string, unknown>) : {}
      const obj: Record<string, unknown> = {}
      for (const [k, p] of Object.entries(shape.props)) if (!p.optional) obj[k] = blank(shapes, p.shape, ex[k], seen)
      return obj
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  writeFileSync(DEFAULTS_FILE, `${JSON.stringify(generateDefaults(loadShapes()), null, 1)}\n`)
  console.log(`wrote ${DEFAULTS_FILE}`)
}
