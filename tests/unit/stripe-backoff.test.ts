import { describe, expect, it } from "vitest"
import { BACKOFF_CAP_SECONDS, backoffSeconds } from "@/lib/billing/sync/stripe-backoff"

describe("Stripe 429 backoff", () => {
  it("doubles with each 429 in a row, half of it random, up to the cap", () => {
    expect(backoffSeconds(1, undefined, 0)).toBe(0.5)
    expect(backoffSeconds(1, undefined, 1)).toBe(1)
    expect(backoffSeconds(2, undefined, 1)).toBe(2)
    expect(backoffSeconds(4, undefined, 0.5)).toBe(6)
    expect(backoffSeconds(50, undefined, 1)).toBe(BACKOFF_CAP_SECONDS)
  })
  it("waits at least what Retry-After says, and never more than twice the cap", () => {
    expect(backoffSeconds(1, 7, 0)).toBe(7)
    expect(backoffSeconds(5, 3, 1)).toBe(16)
    expect(backoffSeconds(1, 3600, 0)).toBe(BACKOFF_CAP_SECONDS * 2)
  })
})
