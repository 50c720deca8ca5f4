// The proxy (lib/supabase/proxy.ts) as Next runs it, against the auth emulator: it verifies the
// session with getClaims() (no request to Auth per page view), refreshes an expired one, and hands
// the refreshed cookies to the rest of the same request, with HttpOnly/SameSite=Lax attributes.
import { createServerClient } from "@supabase/ssr"
import { NextRequest } from "next/server"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"

let auth: Emulator
let updateSession: typeof import("@/lib/supabase/proxy").updateSession
let LOCAL_SUPABASE_ANON_KEY: string
beforeAll(async () => {
  auth = await startTestAuth()
  // lib/env reads the environment once, on first import: point it at this emulator first.
  LOCAL_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon") // the CLI's anon key
  process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = LOCAL_SUPABASE_ANON_KEY
  ;({ updateSession } = await import("@/lib/supabase/proxy"))
})
afterAll(() => auth.stop())

/** Signs up through @supabase/ssr and returns the cookies it would have set in a browser. */
async function sessionCookies() {
  const jar = new Map<string, string>()
  const sb = createServerClient(auth.url, LOCAL_SUPABASE_ANON_KEY, {
    cookies: {
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      setAll: (all) => all.forEach((c) => jar.set(c.name, c.value)),
    },
    realtime: { transport: WebSocket as never },
  })
  const { error } = await sb.auth.signUp({ email: uniqueEmail("proxy"), password: "secret-pw" })
  expect(error).toBeNull()
  return jar
}

type StoredSession = { access_token: string; refresh_token: string; expires_at: number }
const SESSION_COOKIE = /-auth-token$/
const readSession = (v: string) => JSON.parse(Buffer.from(v.replace(/^base64-/, ""), "base64url").toString()) as StoredSession
const writeSession = (s: StoredSession) => `base64-${Buffer.from(JSON.stringify(s)).toString("base64url")}`

const request = (path: string, jar: Map<string, string>) =>
  new NextRequest(`http://localhost:3000${path}`, { headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } })

/** The Cookie header Next passes on to server components (NextResponse.next({ request: { headers } })). */
const forwardedCookie = (res: Response) => res.headers.get("x-middleware-request-cookie") ?? ""

describe("proxy", () => {
  it("lets a valid session through without asking Auth (getClaims verifies locally)", async () => {
    const jar = await sessionCookies()
    const spy = vi.spyOn(globalThis, "fetch")
    try {
      for (let i = 0; i < 3; i++) {
        const res = await updateSession(request("/dashboard", jar))
        expect(res.headers.get("location")).toBeNull()
        expect(res.headers.get("x-middleware-next")).toBe("1")
      }
      const urls = spy.mock.calls.map(([u]) => String(u instanceof Request ? u.url : u))
      expect(urls.filter((u) => u.endsWith("/auth/v1/user"))).toEqual([])
      expect(urls.filter((u) => u.includes("/jwks.json")).length).toBeLessThanOrEqual(1)
    } finally {
      spy.mockRestore()
    }
  })

  it("sends a visitor without a session to log in", async () => {
    const res = await updateSession(request("/account?tab=email", new Map()))
    expect(res.status).toBe(307)
    expect(res.headers.get("location")).toBe("http://localhost:3000/auth/login?next=%2Faccount%3Ftab%3Demail")
  })

  it("refuses a tampered session cookie", async () => {
    const jar = await sessionCookies()
    const [name, value] = [...jar].find(([k]) => SESSION_COOKIE.test(k)) as [string, string]
    const session = readSession(value)
    const [h, p, s] = session.access_token.split(".") as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>
    session.access_token = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: crypto.randomUUID() })).toString("base64url")}.${s}`
    const tampered = new Map([[name, writeSession(session)]])
    const res = await updateSession(request("/dashboard", tampered))

    expect(res.status).toBe(307)
  })

  it("refreshes an expired session and forwards the new cookies to the same request", async () => {
    const jar = await sessionCookies()
    const [name, value] = [...jar].find(([k]) => SESSION_COOKIE.test(k)) as [string, string]
    // As auth-js's own test does: the stored session says it expired an hour ago.
    jar.set(name, writeSession({ ...readSession(value), expires_at: Math.floor(Date.now() / 1000) - 3600 }))
    const before = jar.get(name) ?? ""
    const res = await updateSession(request("/dashboard", jar))
    expect(res.headers.get("location")).toBeNull()
    const set = res.headers.getSetCookie()
    expect(set.length).toBeGreaterThan(0)
    for (const c of set) {
      expect(c).toMatch(/HttpOnly/i)
      expect(c).toMatch(/SameSite=lax/i)
    }
    // Server components in this request must see the new session, not the expired one.
    const forwarded = forwardedCookie(res)
    expect(forwarded).not.toBe("")
    expect(forwarded).not.toContain(before)
    const fresh = set.map((c) => c.split(";")[0] ?? "").filter((c) => !c.endsWith("="))
    for (const c of fresh) expect(forwarded).toContain(c)
  })
})
