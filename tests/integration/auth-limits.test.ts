// The app's own limits on auth attempts (issue 23, item 4): per address and per client IP, in Postgres,
// checked before Auth is asked, so a script cannot lock everyone out behind the app server's IP at
// Supabase or spend the project's email quota.
import { afterAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET, LOCAL_PUBLISHABLE_KEY } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { mails, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"

const state = vi.hoisted(() => ({ ip: "203.0.113.1" }))
vi.mock("next/headers", () => ({
  cookies: async () => ({ getAll: () => [], get: () => undefined, set: () => {} }),
  headers: async () => new Headers({ "x-forwarded-for": `${state.ip}, 10.0.0.1` }),
}))

// Auth's own per-IP limits on, as GoTrue with IP address forwarding enabled: no refill within the test,
// a bucket of AUTH_BURST requests per address and endpoint group.
const AUTH_BURST = 12
const auth: Emulator = await startTestAuth({ rateLimits: { burst: AUTH_BURST, perFiveMinutes: 0, sbForwardedFor: true } })
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { signIn, requestPasswordReset } = await import("@/lib/actions/auth")
const { AUTH_LIMITS } = await import("@/lib/auth/auth-limits")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

const form = (fields: Record<string, string>) => {
  const f = new FormData()
  for (const [k, v] of Object.entries(fields)) f.set(k, v)
  return f
}

describe("auth attempt limits", () => {
  it("sign-in: past the per-address limit further attempts are refused before Auth is asked, whatever the IP", async () => {
    const email = uniqueEmail("limited")
    state.ip = "203.0.113.10"
    for (let i = 0; i < AUTH_LIMITS.sign_in.perAddress; i++) {
      state.ip = `203.0.113.${10 + i}` // spread over IPs: the address's own limit still counts them all
      expect(await signIn(null, form({ email, password: "wrong-password" }))).toMatchObject({ ok: false, code: "invalid_credentials" })
    }
    expect(await signIn(null, form({ email, password: "wrong-password" }))).toMatchObject({ ok: false, code: "rate_limited" })
  })

  it("password reset: past the per-IP limit no more emails go out from that IP; another IP is not affected", async () => {
    state.ip = "198.51.100.7"
    const sent: string[] = []
    for (let i = 0; i < AUTH_LIMITS.password_reset.perIp; i++) {
      const email = uniqueEmail(`reset${i}`)
      sent.push(email)
      expect(await requestPasswordReset(null, form({ email }))).toMatchObject({ ok: true })
    }
    const over = uniqueEmail("over")
    expect(await requestPasswordReset(null, form({ email: over }))).toMatchObject({ ok: false, code: "rate_limited" })
    expect(await mails(auth.url, over)).toEqual([])
    state.ip = "198.51.100.8"
    expect(await requestPasswordReset(null, form({ email: uniqueEmail("other-ip") }))).toMatchObject({ ok: true })
  })
  it("Auth sees each client's IP (Sb-Forwarded-For), not this server's: one IP spent at Auth leaves another untouched", async () => {
    state.ip = "192.0.2.50"
    // Different addresses, so the app's per-address limit is not what stops them; its per-IP limit is 30.
    for (let i = 0; i < AUTH_BURST; i++)
      expect(await signIn(null, form({ email: uniqueEmail(`spent${i}`), password: "wrong-password" }))).toMatchObject({
        code: "invalid_credentials",
      })
    // Auth's bucket for that IP is empty; the app maps Auth's 429.
    expect(await signIn(null, form({ email: uniqueEmail("spent-over"), password: "wrong-password" }))).toMatchObject({
      code: "rate_limited",
    })
    // Without forwarding every attempt in this file would share the server's address, and this would be refused.
    state.ip = "192.0.2.51"
    expect(await signIn(null, form({ email: uniqueEmail("other"), password: "wrong-password" }))).toMatchObject({
      code: "invalid_credentials",
    })
  })
})

describe("the auth emulator's per-IP limits (GoTrue's rule for which address counts)", () => {
  const tokenAttempt = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: LOCAL_PUBLISHABLE_KEY, "content-type": "application/json", ...headers },
      body: JSON.stringify({ email: "nobody@example.com", password: "wrong" }),
    }).then((r) => r.status)

  it("Sb-Forwarded-For counts only when forwarding is enabled; otherwise X-Forwarded-For's first value", async () => {
    const on = await startTestAuth({ rateLimits: { burst: 2, perFiveMinutes: 0, sbForwardedFor: true } })
    const off = await startTestAuth({ rateLimits: { burst: 2, perFiveMinutes: 0 } })
    try {
      const a = { "sb-forwarded-for": "198.51.100.1, 10.0.0.1" }
      expect([await tokenAttempt(on.url, a), await tokenAttempt(on.url, a), await tokenAttempt(on.url, a)]).toEqual([400, 400, 429])
      expect(await tokenAttempt(on.url, { "sb-forwarded-for": "198.51.100.2" })).toBe(400)
      // An invalid value is ignored (GoTrue logs it) and the request counts against X-Forwarded-For.
      expect(await tokenAttempt(on.url, { "sb-forwarded-for": "not-an-ip", "x-forwarded-for": "198.51.100.6" })).toBe(400)
      // Forwarding off: the header is anyone's to set, so it is not believed.
      const spoof = (ip: string) => ({ "sb-forwarded-for": ip, "x-forwarded-for": "203.0.113.9" })
      expect([await tokenAttempt(off.url, spoof("198.51.100.3")), await tokenAttempt(off.url, spoof("198.51.100.4"))]).toEqual([400, 400])
      expect(await tokenAttempt(off.url, spoof("198.51.100.5"))).toBe(429)
    } finally {
      await on.stop()
      await off.stop()
    }
  })
})
