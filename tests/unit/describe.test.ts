import { describe, expect, it } from "vitest"
import { cardLine, discountLine, endsOn, headline, priceLine, type Describable } from "@/lib/billing/views/describe"
import { currentOf, hasAccess, isLive } from "@/lib/billing/status"
import { SUBSCRIPTION_STATUSES } from "@/lib/billing/types"
import { must } from "../support/must"

const base: Describable = {
  status: "active",
  planName: "Pro",
  perSeat: false,
  quantity: 1,
  unitAmount: 1500,
  currency: "usd",
  interval: "month",
  cancelAtPeriodEnd: false,
  cancelAt: null,
  currentPeriodEnd: new Date("2026-12-23T12:00:00Z"),
  endedAt: null,
  trialEnd: null,
}

describe("headline", () => {
  it("says what is true now", () => {
    expect(headline(base)).toBe("You're on Pro. It renews on December 23, 2026.")
    expect(headline({ ...base, cancelAtPeriodEnd: true })).toBe("Your Pro plan ends on December 23, 2026.")
    expect(headline({ ...base, planName: "Team", perSeat: true, quantity: 3 })).toBe(
      "You're on Team with 3 seats. It renews on December 23, 2026.",
    )
    expect(headline({ ...base, status: "canceled", endedAt: new Date("2026-12-23T12:00:00Z") })).toBe(
      "Your Pro plan ended on December 23, 2026.",
    )
    expect(headline({ ...base, status: "past_due" })).toMatch(/payment for Pro failed/)
    expect(headline({ ...base, status: "trialing", trialEnd: new Date("2026-12-01T12:00:00Z") })).toBe(
      "You're trying Pro. Your trial ends on December 1, 2026.",
    )
  })

  it("renders every Stripe status", () => {
    for (const status of SUBSCRIPTION_STATUSES) expect(headline({ ...base, status }).length).toBeGreaterThan(10)
  })

  it("prefers an explicit cancel_at date", () => {
    expect(endsOn({ ...base, cancelAt: new Date("2026-12-01T00:00:00Z") })).toEqual(new Date("2026-12-01T00:00:00Z"))
    expect(endsOn(base)).toBeNull()
  })
})

describe("cardLine", () => {
  it("names the brand as people write it", () => {
    expect(cardLine({ brand: "visa", last4: "4242" })).toBe("Visa ending in 4242")
    expect(cardLine({ brand: "amex", last4: "0005" })).toBe("American Express ending in 0005")
    expect(cardLine({ brand: "newcard", last4: "1111" })).toBe("newcard ending in 1111")
  })
})

describe("priceLine", () => {
  it("shows per-seat totals", () => {
    expect(priceLine(base)).toBe("$15.00 / month")
    expect(priceLine({ ...base, perSeat: true, quantity: 3, unitAmount: 1200 })).toBe("$36.00 / month · 3 seats × $12.00")
    expect(priceLine({ ...base, unitAmount: null })).toBeNull()
  })
})

describe("status rules", () => {
  it("grants access while paying or in dunning, and blocks a second checkout while live", () => {
    expect(hasAccess("past_due")).toBe(true)
    expect(hasAccess("unpaid")).toBe(false)
    expect(isLive("unpaid")).toBe(true)
    expect(isLive("canceled")).toBe(false)
    expect(isLive("incomplete")).toBe(false)
  })

  it("picks the live subscription over newer ended ones", () => {
    const rows = [
      { status: "canceled" as const, stripeCreatedAt: new Date(3) },
      { status: "active" as const, stripeCreatedAt: new Date(1) },
      { status: "incomplete" as const, stripeCreatedAt: new Date(4) },
    ]
    expect(currentOf(rows)?.status).toBe("active")
    expect(currentOf([must(rows[2], "rows[2]"), must(rows[0], "rows[0]")])?.status).toBe("canceled")
    expect(currentOf([])).toBeUndefined()
  })
})

describe("discountLine", () => {
  const terms = { label: "WELCOME20", percentOff: 20, amountOff: null, currency: null, endsAt: null }
  it("says the code, what it takes off and until when, in the one date format", () => {
    expect(discountLine({ ...terms, duration: "repeating", endsAt: new Date(Date.UTC(2027, 1, 25, 23, 30)) })).toBe(
      "WELCOME20: 20% off until February 25, 2027",
    )
    expect(discountLine({ ...terms, duration: "forever", percentOff: 25.5 })).toBe("WELCOME20: 25.5% off forever")
    expect(discountLine({ ...terms, duration: "once", percentOff: null, amountOff: 500, currency: "eur" })).toBe(
      "WELCOME20: €5.00 off your next invoice",
    )
    expect(discountLine({ ...terms, duration: "repeating" })).toBe("WELCOME20: 20% off for a limited time")
  })
})
