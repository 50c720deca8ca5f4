import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { LOCAL_PUBLISHABLE_KEY, startAuthEmulator } from "@subkit/supabase-auth-emulator"
import { inject } from "vitest"
import { sql, must } from "./support"

let emulator: Awaited<ReturnType<typeof startAuthEmulator>>
let shortLived: Awaited<ReturnType<typeof startAuthEmulator>>
const client = (url: string): SupabaseClient =>
  createClient(url, LOCAL_PUBLISHABLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  })

beforeAll(async () => {
  const common = { databaseUrl: inject("databaseUrl"), port: 0, kdf: { N: 1024, r: 8, p: 1 }, log: () => {} }
  emulator = await startAuthEmulator(common)
  shortLived = await startAuthEmulator({ ...common, jwtTtlSeconds: 1 })
})
afterAll(async () => {
  await emulator.stop()
  await shortLived.stop()
})

describe("Supabase Auth emulator through supabase-js", () => {
  it("signs up into auth.users with a hashed password and a session", async () => {
    const email = `signup-${Date.now()}@example.com`
    const { data, error } = await client(emulator.url).auth.signUp({ email, password: "correct horse" })
    expect(error).toBeNull()
    expect(data.session?.access_token.split(".")).toHaveLength(3)
    const { rows } = await sql().query("select encrypted_password, email_confirmed_at from auth.users where email = $1", [email])
    expect(rows[0].encrypted_password).toMatch(/^scrypt\$/)
    expect(rows[0].encrypted_password).not.toContain("correct horse")
    const pub = await sql().query("select id from public.users where email = $1", [email])
    expect(pub.rows).toHaveLength(1)
  })

  it("answers GoTrue's error codes", async () => {
    const sb = client(emulator.url)
    const email = `errors-${Date.now()}@example.com`
    await sb.auth.signUp({ email, password: "secret-pw" })
    expect((await sb.auth.signUp({ email, password: "secret-pw" })).error?.code).toBe("user_already_exists")
    expect((await sb.auth.signUp({ email: `x${email}`, password: "123" })).error?.code).toBe("weak_password")
    const bad = await sb.auth.signInWithPassword({ email, password: "wrong" })
    expect(bad.error?.code).toBe("invalid_credentials")
    expect(bad.error?.status).toBe(400)
    const res = await fetch(`${emulator.url}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: LOCAL_PUBLISHABLE_KEY },
      body: JSON.stringify({ email, password: "wrong" }),
    })
    expect(res.headers.get("x-sb-error-code")).toBe("invalid_credentials")
  })

  it("refreshes with rotation, signs out, and rejects the old session", async () => {
    const sb = client(emulator.url)
    const email = `refresh-${Date.now()}@example.com`
    await sb.auth.signUp({ email, password: "secret-pw" })
    const first = must((await sb.auth.getSession()).data.session, "a session")
    const claims = JSON.parse(Buffer.from(must(first.access_token.split(".")[1], "a JWT payload"), "base64url").toString())
    expect(claims).toMatchObject({ aud: "authenticated", role: "authenticated", email, aal: "aal1" })
    expect(claims.session_id).toBeTruthy()
    const refreshed = await sb.auth.refreshSession()
    expect(refreshed.data.session?.refresh_token).not.toBe(first.refresh_token)
    expect((await sb.auth.getUser()).data.user?.email).toBe(email)
    const token = must(refreshed.data.session, "refreshed.data.session").access_token
    await sb.auth.signOut()
    const after = await client(emulator.url).auth.getUser(token)
    expect(after.data.user).toBeNull()
    expect(after.error?.name).toBe("AuthSessionMissingError") // GoTrue's session_not_found
  })

  it("rejects an expired access token", async () => {
    const sb = client(shortLived.url)
    const { data } = await sb.auth.signUp({ email: `expiry-${Date.now()}@example.com`, password: "secret-pw" })
    await new Promise((r) => setTimeout(r, 2100))
    const res = await client(shortLived.url).auth.getUser(must(data.session, "data.session").access_token)
    expect(res.error?.message).toMatch(/expired/)
  })

  it("sends a magic link that verifies into a session", async () => {
    const lines: string[] = []
    const withLog = await startAuthEmulator({ databaseUrl: inject("databaseUrl"), port: 0, log: (l) => lines.push(l) })
    try {
      const email = `otp-${Date.now()}@example.com`
      const sb = client(withLog.url)
      expect((await sb.auth.signInWithOtp({ email })).error).toBeNull()
      const code = must(/\(code (\d{6})\)/.exec(lines.join("\n"))?.[1], "a code in the log")
      const { data, error } = await sb.auth.verifyOtp({ email, token: code, type: "email" })
      expect(error).toBeNull()
      expect(data.user?.email).toBe(email)
    } finally {
      await withLog.stop()
    }
  })
})
