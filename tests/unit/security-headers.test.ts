import { describe, expect, it } from "vitest"
import { contentSecurityPolicy, newNonce, securityHeaders, stripeHostedOrigins, type HeaderOptions } from "@/lib/security-headers"

const base: HeaderOptions = { nonce: "abc123==", dev: false, https: true, production: true, stripeOrigins: stripeHostedOrigins(undefined) }
const directives = (csp: string) => Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]))

describe("security headers", () => {
  it("allow only nonce'd scripts, no framing, and forms only to us and Stripe's hosted pages", () => {
    const csp = directives(contentSecurityPolicy(base))
    expect(csp["script-src"]).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"])
    expect(csp["frame-ancestors"]).toEqual(["'none'"])
    expect(csp["object-src"]).toEqual(["'none'"])
    expect(csp["base-uri"]).toEqual(["'self'"])
    expect(csp["form-action"]).toEqual(["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"])
    expect(csp).toHaveProperty("upgrade-insecure-requests")
    expect(Object.values(csp).flat()).not.toContain("'unsafe-eval'")
  })

  it("point form-action at the configured Stripe host offline, and allow eval only in dev", () => {
    const csp = directives(
      contentSecurityPolicy({ ...base, dev: true, https: false, stripeOrigins: stripeHostedOrigins("http://127.0.0.1:12111") }),
    )
    expect(csp["form-action"]).toEqual(["'self'", "http://127.0.0.1:12111"])
    expect(csp["script-src"]).toContain("'unsafe-eval'")
    expect(csp).not.toHaveProperty("upgrade-insecure-requests")
  })

  it("send HSTS only in production over https, and the rest always", () => {
    const prod = securityHeaders(base)
    expect(prod["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains")
    expect(prod["Referrer-Policy"]).toBe("strict-origin-when-cross-origin")
    expect(prod["X-Content-Type-Options"]).toBe("nosniff")
    expect(securityHeaders({ ...base, production: false })).not.toHaveProperty("Strict-Transport-Security")
    expect(securityHeaders({ ...base, https: false })).not.toHaveProperty("Strict-Transport-Security")
  })

  it("make a fresh 128-bit nonce each time", () => {
    const a = newNonce()
    expect(atob(a)).toHaveLength(16)
    expect(newNonce()).not.toBe(a)
  })
})
