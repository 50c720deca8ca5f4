// The dunning grace rule (lib/billing/status.ts) and which events count as "a new card arrived".
import type Stripe from "stripe"
import { describe, expect, it } from "vitest"
import { GRACE_POLICY } from "@/lib/billing/catalog"
import { graceEndsAt, hasAccessAt } from "@/lib/billing/status"
import { intentOf } from "@/lib/stripe"

const DAY = 86_400_000
const start = new Date("2027-01-01T00:00:00Z")
const after = (days: number) => new Date(start.getTime() + days * DAY)
const event = (type: string, object: object, previous?: object) =>
  ({
    id: "evt_1",
    object: "event",
    type,
    created: 1,
    data: { object, ...(previous ? { previous_attributes: previous } : {}) },
  }) as unknown as Stripe.Event

describe("grace policy", () => {
  it("a past_due subscription keeps access for the catalog's days from its period start, not a moment more", () => {
    const s = { status: "past_due" as const, currentPeriodStart: start }
    expect(graceEndsAt(s)).toEqual(after(GRACE_POLICY.pastDueDays))
    expect(hasAccessAt(s, after(GRACE_POLICY.pastDueDays))).toBe(false)
    expect(hasAccessAt(s, new Date(after(GRACE_POLICY.pastDueDays).getTime() - 1))).toBe(true)
  })

  it("other statuses have no grace: active and trialing have access, unpaid, paused and canceled none", () => {
    for (const status of ["active", "trialing"] as const) {
      expect(graceEndsAt({ status, currentPeriodStart: start })).toBeNull()
      expect(hasAccessAt({ status, currentPeriodStart: start }, after(100))).toBe(true)
    }
    for (const status of ["unpaid", "paused", "canceled", "incomplete"] as const)
      expect(hasAccessAt({ status, currentPeriodStart: start }, start)).toBe(false)
  })
})

describe("a new card", () => {
  it("is payment_method.attached, or customer.updated that changed the default payment method", () => {
    expect(intentOf(event("payment_method.attached", { id: "pm_1", customer: "cus_1" }))).toMatchObject({ newCard: true })
    expect(intentOf(event("customer.updated", { id: "cus_1" }, { invoice_settings: { default_payment_method: null } }))).toMatchObject({
      newCard: true,
    })
  })

  it("is not a detach, a card update, or a customer change that left the default alone", () => {
    expect(intentOf(event("payment_method.detached", { id: "pm_1", customer: null }, { customer: "cus_1" }))).not.toHaveProperty("newCard")
    expect(intentOf(event("payment_method.updated", { id: "pm_1", customer: "cus_1" }))).not.toHaveProperty("newCard")
    expect(intentOf(event("customer.updated", { id: "cus_1" }, { email: "old@example.com" }))).not.toHaveProperty("newCard")
  })
})
