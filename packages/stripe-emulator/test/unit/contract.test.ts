// The contract check itself: shapes derived from the stripe package's types catch drift with its
// path, report undeclared fields, and the emulator's defaults.json is what the generator writes today.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { ContractRecorder } from "@subkit/stripe-emulator/contract/recorder"
import { DEFAULTS_FILE, generateDefaults } from "@subkit/stripe-emulator/contract/gen-defaults"
import { loadShapes } from "@subkit/stripe-emulator/contract/shapes"
import { validate } from "@subkit/stripe-emulator/contract/validate"

const shapes = loadShapes()
const defaults = JSON.parse(readFileSync(DEFAULTS_FILE, "utf8")) as Record<string, Record<string, unknown>>
const sample = (name: string, fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...structuredClone(defaults[name]),
  id: "x_1",
  ...fields,
})

describe("Stripe shapes from the SDK's type declarations", () => {
  it("are at the pinned API version and know its event types", () => {
    expect(shapes.version).toBe("2026-10-28.endive")
    expect(shapes.eventTypes).toEqual(
      expect.arrayContaining(["invoice.paid", "test_helpers.test_clock.ready", "customer.subscription.updated"]),
    )
    const su =
      shapes.defs["BillingPortal.Configuration.Features.SubscriptionUpdate.Product"] ??
      shapes.defs["Configuration.Features.SubscriptionUpdate.Product"]
    expect(JSON.stringify(su)).toContain("adjustable_quantity")
  })

  it("defaults.json is what gen-defaults.ts writes for this stripe package (regenerate after an upgrade)", () => {
    expect(defaults).toEqual(generateDefaults(shapes))
  })

  it("every default object is itself a valid Stripe object", () => {
    for (const [name, value] of Object.entries(defaults)) {
      if (name === "event") continue // its data.object is whatever the event is about
      const errors = validate(shapes, {
        ...value,
        id: "x_1",
        items: name === "subscription" ? { object: "list", data: [], has_more: false, url: "/v1/subscription_items" } : value.items,
      }).errors
      expect(errors, name).toEqual([])
    }
  })

  it("reports drift with its path: a missing field, a wrong type, an old enum value, a wrong nested type", () => {
    const sub = sample("subscription", { items: { object: "list", data: [], has_more: false, url: "/v1/subscription_items" } })
    delete (sub as Record<string, unknown>).billing_mode
    sub.cancel_at_period_end = "no"
    sub.collection_method = "charge_later"
    sub.automatic_tax = { enabled: 1, disabled_reason: null, liability: null }
    expect(validate(shapes, sub).errors).toEqual([
      "$.automatic_tax.enabled: expected boolean, got number (1)",
      "$.billing_mode: missing",
      '$.cancel_at_period_end: expected boolean, got string ("no")',
      '$.collection_method: "charge_later" is not one of charge_automatically|send_invoice',
    ])
  })

  it("reports fields Stripe does not declare at this version as extras, not errors", () => {
    const invoice = sample("invoice", { subscription: "sub_1" })
    const found = validate(shapes, invoice)
    expect(found.errors).toEqual([])
    expect(found.extras).toEqual(["$.subscription"])
  })

  it("checks events' data.object as the object it carries, and error bodies as Stripe's error object", () => {
    const rec = new ContractRecorder(true, shapes)
    const event = {
      ...sample("event"),
      type: "customer.updated",
      data: { object: sample("customer", { email: 5 }), previous_attributes: { email: null } },
    }
    expect(rec.event(event as never)).toEqual(["$.data.object.email: 5 matches none of null | string"])
    expect(
      rec.response("GET /v1/customers/:id", 404, {
        error: { type: "invalid_request_error", code: "resource_missing", message: "No such customer" },
      }),
    ).toEqual(["$.error.param: resource_missing names its param"])
    expect(rec.response("POST /v1/subscriptions", 400, { error: { type: "card_error", message: "declined" } })).toEqual([
      "status 400: card errors are 402",
    ])
    const report = rec.report()
    expect([report.operations, report.errorCases, report.eventTypes, report.drift.length]).toEqual([0, 2, 1, 3])
  })
})
