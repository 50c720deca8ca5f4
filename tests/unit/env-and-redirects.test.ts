import { describe, expect, it } from "vitest"
import { safeNext } from "@/lib/auth/safe-next"
import { LOCAL_DEFAULTS, resolveEnv } from "@/lib/env"

describe("resolveEnv", () => {
  it("runs offline with nothing configured", () => {
    const env = resolveEnv({})
    expect(env.stripeApiBase).toBe(LOCAL_DEFAULTS.stripeApiBase)
    expect(env.databaseUrl).toBe(LOCAL_DEFAULTS.databaseUrl)
    expect(env.supabaseUrl).toBe(LOCAL_DEFAULTS.supabaseUrl)
    expect(env.portalSessionsPerMinute).toBe(5)
  })

  it("refuses a partial production configuration and names the missing variable", () => {
    expect(() => resolveEnv({ STRIPE_SECRET_KEY: "sk_live_x" })).toThrow(/STRIPE_WEBHOOK_SECRET is required/)
    expect(() => resolveEnv({ NEXT_PUBLIC_SUPABASE_URL: "https://x.supabase.co" })).toThrow(
      /NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY \(or the legacy NEXT_PUBLIC_SUPABASE_ANON_KEY\) is required when NEXT_PUBLIC_SUPABASE_URL is set/,
    )
    for (const key of ["NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY", "NEXT_PUBLIC_SUPABASE_ANON_KEY"])
      expect(
        resolveEnv({
          NEXT_PUBLIC_SUPABASE_URL: "https://x.supabase.co",
          [key]: key.includes("PUBLISHABLE") ? "sb_publishable_x" : "eyJ.a.b",
        }).supabaseAnonKey,
      ).toMatch(/^(sb_|eyJ)/)
    expect(() =>
      resolveEnv({ STRIPE_SECRET_KEY: "sk_live_x", STRIPE_WEBHOOK_SECRET: "whsec", STRIPE_API_BASE: "http://127.0.0.1:1" }),
    ).toThrow(/live Stripe key/)
    expect(() => resolveEnv({ NEXT_PUBLIC_APP_URL: "not a url" })).toThrow(/NEXT_PUBLIC_APP_URL/)
  })

  it("uses real Stripe when a key is set", () => {
    const env = resolveEnv({
      STRIPE_SECRET_KEY: "sk_test_x",
      STRIPE_WEBHOOK_SECRET: "whsec_x",
      NEXT_PUBLIC_APP_URL: "https://app.example.com/",
    })
    expect(env.stripeApiBase).toBeUndefined()
    expect(env.appUrl).toBe("https://app.example.com")
  })
})

describe("safeNext", () => {
  it("keeps same-origin paths only", () => {
    expect(safeNext("/subscription/manage?x=1")).toBe("/subscription/manage?x=1")
    expect(safeNext("https://evil.example")).toBe("/dashboard")
    expect(safeNext("//evil.example/x")).toBe("/dashboard")
    expect(safeNext("/\\evil.example")).toBe("/dashboard")
    expect(safeNext(null)).toBe("/dashboard")
  })
})
