// The app on Supabase's new API keys (#22): NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY and SUPABASE_SECRET_KEY only, no
// legacy JWT key, against an auth emulator whose JWT secret is not the CLI's, so the CLI's legacy keys (the
// offline fallback) are refused there and nothing here works unless every client uses the sb_ keys: the server
// client signs in, getClaims() verifies the session through the JWKS (the proxy and getCurrentUser), the
// stateless client checks a token, and the admin path (invite sign-in, admin:grant) runs on the secret key.
import { NextRequest } from "next/server"
import { afterAll, describe, expect, it, vi } from "vitest"
import { jar } from "../support/cookie-jar"
import { startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"
import { sql } from "../support/helpers"

vi.mock("next/headers", () => import("../support/cookie-jar"))

const auth: Emulator = await startTestAuth({ jwtSecret: "a-project-secret-that-is-not-the-cli-one-0123456789" })
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY = auth.publishableKey
process.env.SUPABASE_SECRET_KEY = auth.secretKeys[0]
delete process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY
delete process.env.SUPABASE_SERVICE_ROLE_KEY
const { env, LOCAL_SUPABASE_ANON_KEY, LOCAL_SUPABASE_SERVICE_ROLE_KEY } = await import("@/lib/env")
const { createClient } = await import("@/lib/supabase/server")
const { getCurrentUser } = await import("@/lib/auth/current-user")
const { updateSession } = await import("@/lib/supabase/proxy")
const { userOfAccessToken } = await import("@/lib/supabase/stateless")
const { sessionForInvitedAddress } = await import("@/lib/supabase/invite-session")
const { grantAdmin } = await import("@/lib/auth/admin-grant")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

const request = (path: string) =>
  new NextRequest(`http://localhost:3000${path}`, { headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } })

describe("the app with a publishable and a secret key", () => {
  it("reads the new variables, and the emulator refuses the legacy fallback", async () => {
    expect(env.supabaseAnonKey).toBe(auth.publishableKey)
    expect(env.supabaseServiceRoleKey).toBe(auth.secretKeys[0])
    expect(env.supabaseAnonKey).toMatch(/^sb_publishable_/)
    for (const key of [LOCAL_SUPABASE_ANON_KEY, LOCAL_SUPABASE_SERVICE_ROLE_KEY]) {
      const res = await fetch(`${auth.url}/auth/v1/settings`, { headers: { apikey: key } })
      expect(res.headers.get("sb-error-code")).toBe("UNAUTHORIZED_INVALID_API_KEY")
    }
  })

  it("signs in on the server client; the proxy and getCurrentUser verify the session through the JWKS", async () => {
    jar.clear()
    const email = uniqueEmail("sb-keys")
    const supabase = await createClient()
    expect((await supabase.auth.signUp({ email, password: "correct horse battery staple" })).error).toBeNull()
    await supabase.auth.signOut()
    const signIn = await supabase.auth.signInWithPassword({ email, password: "correct horse battery staple" })
    expect(signIn.error).toBeNull()
    expect([...jar.keys()].some((k) => k.endsWith("-auth-token"))).toBe(true)
    const spy = vi.spyOn(globalThis, "fetch")
    try {
      const res = await updateSession(request("/dashboard"))
      expect(res.headers.get("location")).toBeNull()
      expect((await getCurrentUser())?.email).toBe(email)
      // Verified locally (ES256 through the JWKS), not by asking Auth for the user.
      const urls = spy.mock.calls.map(([u]) => String(u instanceof Request ? u.url : u))
      expect(urls.filter((u) => u.endsWith("/auth/v1/user"))).toEqual([])
    } finally {
      spy.mockRestore()
    }
    expect(await userOfAccessToken(signIn.data.session?.access_token ?? "")).toMatchObject({ ok: true, email })
  })

  it("the admin path on the secret key: Join's invite sign-in and admin:grant", async () => {
    const invitee = uniqueEmail("sb-keys-invitee")
    const session = await sessionForInvitedAddress(invitee, "203.0.113.9")
    expect(session).toMatchObject({ ok: true, email: invitee })
    const granted = await grantAdmin(invitee)
    expect(granted).toMatchObject({ ok: true })
    const { rows } = await sql().query("select raw_app_meta_data->>'role' as role from auth.users where email = $1", [invitee])
    expect(rows).toEqual([{ role: "admin" }])
  })
})
