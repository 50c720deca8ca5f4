// `npm run dev` calls GET /api/cron/billing every 5 s (scripts/lib/dev-cron.ts): Next's request log
// leaves it out, so the app's own lines are not drowned (issue 23, item 10); every other request is logged.
import { describe, expect, it } from "vitest"
import nextConfig from "@/next.config"

describe("next dev's request log", () => {
  it("ignores the dev cron's GET /api/cron/billing and nothing else", () => {
    const config = nextConfig.logging && typeof nextConfig.logging === "object" ? nextConfig.logging.incomingRequests : undefined
    const ignore = config && typeof config === "object" ? (config.ignore ?? []) : []
    const ignored = (url: string) => ignore.some((re) => re.test(url))
    expect(ignored("/api/cron/billing")).toBe(true)
    for (const url of ["/pricing", "/api/webhooks/stripe", "/api/cron/billingx", "/subscription/manage", "/api/health"])
      expect(ignored(url)).toBe(false)
  })
})
