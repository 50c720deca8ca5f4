// The app's own limits on auth attempts (issue 23, item 4): per address and per client IP, in Postgres,
// checked before Auth is asked, so a script cannot lock everyone out behind the app server's IP at
// Supabase or spend the project's email quota.
import { afterAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { mails, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"

const state = vi.hoisted(() => ({ ip: "203.0.113.1" }))
vi.mock("next/headers", () => ({
  cookies: async () => ({ getAll: () => [], get: () => undefined, set: () => {} }),
  headers: async () => new Headers({ "x-forwarded-for": `${state.ip}, 10.0.0.1` }),
}))

const auth: Emulator = await startTestAuth()
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
})
