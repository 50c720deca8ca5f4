import { describe, expect, it } from "vitest"
import { HANDLED_EVENTS } from "@/lib/billing/webhook-events"
import { handlers } from "@/lib/stripe/webhook-handlers"

describe("HANDLED_EVENTS", () => {
  it("is exactly the set of webhook handlers (the endpoint subscribes to this list)", () => {
    expect(Object.keys(handlers).sort()).toEqual([...HANDLED_EVENTS].sort())
    expect(new Set(HANDLED_EVENTS).size).toBe(HANDLED_EVENTS.length)
  })
})
