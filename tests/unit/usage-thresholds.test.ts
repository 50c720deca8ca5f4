import { describe, expect, it } from "vitest"
import { usageThreshold } from "@/lib/billing/usage/thresholds"

describe("usageThreshold", () => {
  it("warns from 80% and says reached at 100% of the allowance", () => {
    expect(usageThreshold({ used: 0, included: 20 })).toBe("none")
    expect(usageThreshold({ used: 15, included: 20 })).toBe("none")
    expect(usageThreshold({ used: 16, included: 20 })).toBe("warning")
    expect(usageThreshold({ used: 20, included: 20 })).toBe("reached")
    expect(usageThreshold({ used: 25, included: 20 })).toBe("reached")
    expect(usageThreshold({ used: 5, included: 0 })).toBe("none")
  })
})
