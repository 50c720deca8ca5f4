// The proxy (lib/supabase/proxy.ts) as Next runs it, against the auth emulator: it verifies the
// session with getClaims() (no request to Auth per page view), refreshes an expired one, and hands
// the refreshed cookies to the rest of the same request, with HttpOnly/SameSite=Lax attributes; API
// routes pass through it unverified (they verify for themselves). And lib/supabase/claims.ts, which
// both use: one signature check per call, no Supabase client built unless a refresh is due.
import { createServerClient } from "@supabase/ssr"
import { NextRequest } from "next/server"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"

// The request a page sees (next/headers), set by each test from what the proxy forwarded.
const page = vi.hoisted(() => ({ headers: new Headers(), cookies: [] as { name: string; value: string }[] }))
vi.mock("next/headers", () => ({
  headers: async () => page.headers,
  cookies: async () => ({ getAll: () => page.cookies, set: () => undefined }),
}))

let auth: Emulator
let updateSession: typeof import("@/lib/supabase/proxy").updateSession
let claimsLib: typeof import("@/lib/supabase/claims")
let proxyClaims: typeof import("@/lib/supabase/proxy-claims")
let getCurrentUser: typeof import("@/lib/auth/current-user").getCurrentUser
let LOCAL_SUPABASE_ANON_KEY: string
beforeAll(async () => {
  auth = await startTestAuth()
  // lib/env reads the environment once, on first import: point it at this emulator first.
  LOCAL_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon") // the CLI's anon key
  process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = LOCAL_SUPABASE_ANON_KEY
  ;({ updateSession } = await import("@/lib/supabase/proxy"))
  claimsLib = await import("@/lib/supabase/claims")
  proxyClaims = await import("@/lib/supabase/proxy-claims")
  ;({ getCurrentUser } = await import("@/lib/auth/current-user"))
})
afterAll(() => auth.stop())

/** Signs up through @supabase/ssr and returns the cookies it would have set in a browser. */
async function sessionCookies(data?: Record<string, unknown>) {
  const jar = new Map<string, string>()
  const sb = createServerClient(auth.url, LOCAL_SUPABASE_ANON_KEY, {
    cookies: {
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      setAll: (all) => all.forEach((c) => jar.set(c.name, c.value)),
    },
    realtime: { transport: WebSocket as never },
  })
  const { error } = await sb.auth.signUp({ email: uniqueEmail("proxy"), password: "secret-pw", options: { data } })
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

/** Counts WebCrypto signature checks and requests while `fn` runs. */
async function counting<T>(fn: () => Promise<T>) {
  const verify = vi.spyOn(crypto.subtle, "verify")
  const fetched = vi.spyOn(globalThis, "fetch")
  try {
    const out = await fn()
    const urls = fetched.mock.calls.map(([u]) => String(u instanceof Request ? u.url : u))
    return { out, verifies: verify.mock.calls.length, authCalls: urls.filter((u) => !u.includes("/jwks.json")) }
  } finally {
    verify.mockRestore()
    fetched.mockRestore()
  }
}

describe("the session verified once per request", () => {
  it("the proxy passes an API path through: no signature check, no call to Auth, no cookies", async () => {
    const jar = await sessionCookies()
    const { out: res, verifies, authCalls } = await counting(() => updateSession(request("/api/usage/reports", jar)))
    expect(res.headers.get("x-middleware-next")).toBe("1")
    expect(res.headers.getSetCookie()).toEqual([])
    expect(verifies).toBe(0)
    expect(authCalls).toEqual([])
  })

  it("a page request through the proxy checks the signature once", async () => {
    const jar = await sessionCookies()
    await updateSession(request("/dashboard", jar)) // the JWKS is cached from here on
    const { verifies } = await counting(() => updateSession(request("/dashboard", jar)))
    expect(verifies).toBe(1)
  })

  it("the cookie it reads is the one @supabase/ssr writes", async () => {
    const jar = await sessionCookies()
    expect([...jar.keys()]).toContain(claimsLib.sessionCookieName(auth.url))
  })

  it("verifies a fresh session with one getClaims and builds no Supabase client", async () => {
    const jar = await sessionCookies()
    const cookies = [...jar].map(([name, value]) => ({ name, value }))
    const full = vi.fn(() => {
      throw new Error("the full client was built")
    })
    await claimsLib.verifiedClaims(cookies, full)
    const { out: claims, verifies, authCalls } = await counting(() => claimsLib.verifiedClaims(cookies, full))
    const session = readSession(jar.get(claimsLib.sessionCookieName(auth.url)) ?? "")
    const sub = (JSON.parse(Buffer.from(session.access_token.split(".")[1] ?? "", "base64url").toString()) as { sub: string }).sub
    expect(claims?.sub).toBe(sub)
    expect(verifies).toBe(1)
    expect(authCalls).toEqual([])
    expect(full).not.toHaveBeenCalled()
  })

  it("reads a session split over several cookies (chunks)", async () => {
    const jar = await sessionCookies({ bio: "x".repeat(4000) })
    const name = claimsLib.sessionCookieName(auth.url)
    expect(jar.has(`${name}.0`) && jar.has(`${name}.1`)).toBe(true)
    const found = await claimsLib.sessionToken(
      [...jar].map(([n, value]) => ({ name: n, value })),
      Date.now(),
      name,
    )
    expect(found.kind).toBe("token")
  })

  it("refuses a forged signature and a changed claim, without building a client", async () => {
    const jar = await sessionCookies()
    const name = claimsLib.sessionCookieName(auth.url)
    const session = readSession(jar.get(name) ?? "")
    const [h, p, sig] = session.access_token.split(".") as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>
    const forged = [
      `${h}.${p}.${(sig[0] === "A" ? "B" : "A").repeat(sig.length)}`,
      `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: crypto.randomUUID() })).toString("base64url")}.${sig}`,
    ]
    const full = vi.fn(() => {
      throw new Error("the full client was built")
    })
    for (const access_token of forged)
      expect(await claimsLib.verifiedClaims([{ name, value: writeSession({ ...session, access_token }) }], full)).toBeNull()
    expect(full).not.toHaveBeenCalled()
  })

  it("hands a session about to expire to the full client, which refreshes it", async () => {
    const jar = await sessionCookies()
    const name = claimsLib.sessionCookieName(auth.url)
    // The token itself is valid for an hour; the stored session says it expires in 60 s, inside auth-js's margin.
    jar.set(name, writeSession({ ...readSession(jar.get(name) ?? ""), expires_at: Math.floor(Date.now() / 1000) + 60 }))
    const res = await updateSession(request("/dashboard", jar))
    expect(res.headers.get("location")).toBeNull()
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${name}=`) || c.startsWith(`${name}.0=`))).toBe(true)
  })

  it("sends a symmetric (HS256) or unparseable session to the full client, and no cookie means nobody", async () => {
    const name = "sb-x-auth-token"
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url")
    const session = (alg: string) => ({
      access_token: `${b64({ alg, typ: "JWT" })}.${b64({ sub: "u" })}.sig`,
      refresh_token: "r",
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    })
    const at = (value: string) => claimsLib.sessionToken([{ name, value }], Date.now(), name)
    expect(await at(writeSession(session("HS256")))).toEqual({ kind: "full", why: "not an asymmetric token" })
    expect(await at("base64-not json")).toEqual({ kind: "full", why: "no valid session" })
    expect(await at(writeSession({ ...session("ES256"), refresh_token: undefined } as never))).toEqual({
      kind: "full",
      why: "no valid session",
    })
    expect(await claimsLib.sessionToken([], Date.now(), name)).toEqual({ kind: "none" })
  })
})

/** The request headers Next hands the page after the proxy (x-middleware-override-headers), or the request's own. */
function forwardedHeaders(res: Response, original: Headers): Headers {
  const names = res.headers.get("x-middleware-override-headers")
  if (!names) return new Headers(original)
  const out = new Headers()
  for (const name of names.split(",")) out.set(name, res.headers.get(`x-middleware-request-${name}`) ?? "")
  return out
}

/** getCurrentUser as a page runs it with these request headers, counting signature checks. */
async function pageUser(headers: Headers) {
  page.headers = headers
  page.cookies = (headers.get("cookie") ?? "")
    .split("; ")
    .filter(Boolean)
    .map((c) => ({ name: c.slice(0, c.indexOf("=")), value: c.slice(c.indexOf("=") + 1) }))
  return counting(() => getCurrentUser())
}

const subOf = (jar: Map<string, string>) =>
  (
    JSON.parse(
      Buffer.from(
        readSession(jar.get(claimsLib.sessionCookieName(auth.url)) ?? "").access_token.split(".")[1] ?? "",
        "base64url",
      ).toString(),
    ) as { sub: string }
  ).sub

describe("the page reuses the proxy's check", () => {
  it("a page's getCurrentUser takes the user the proxy verified: one signature check per page request, refreshed or not", async () => {
    const jar = await sessionCookies()
    const req = request("/dashboard", jar)
    const res = await updateSession(req)
    expect(res.headers.get(`x-middleware-request-${proxyClaims.CLAIMS_HEADER}`)).toBeTruthy()
    const viaProxy = await pageUser(forwardedHeaders(res, req.headers))
    expect(viaProxy.out?.id).toBe(subOf(jar))
    expect(viaProxy.verifies).toBe(0)
    expect(viaProxy.authCalls).toEqual([])
    // Without the proxy's headers the page checks for itself, and finds the same user.
    const alone = await pageUser(new Headers(req.headers))
    expect(alone.out).toEqual(viaProxy.out)
    expect(alone.verifies).toBe(1)
    // After a refresh in the proxy, the page's cookies are the new ones: still bound, still no second check.
    const name = claimsLib.sessionCookieName(auth.url)
    jar.set(name, writeSession({ ...readSession(jar.get(name) ?? ""), expires_at: Math.floor(Date.now() / 1000) - 3600 }))
    const stale = request("/dashboard", jar)
    const refreshed = await updateSession(stale)
    expect(refreshed.headers.getSetCookie().length).toBeGreaterThan(0)
    const after = await pageUser(forwardedHeaders(refreshed, stale.headers))
    expect(after.out?.id).toBe(subOf(jar))
    expect(after.verifies).toBe(0)
  })

  it("never trusts claims headers from the client: dropped by the proxy, refused by the page without the proxy's MAC", async () => {
    const a = await sessionCookies()
    const b = await sessionCookies()
    // B's real headers, as the proxy forwarded them for B's request (say, leaked from a log).
    const bReq = request("/dashboard", b)
    const bHeaders = forwardedHeaders(await updateSession(bReq), bReq.headers)
    const stolen = [proxyClaims.CLAIMS_HEADER, proxyClaims.CLAIMS_MAC_HEADER].map((h) => [h, bHeaders.get(h) ?? ""] as const)
    const payload = JSON.stringify({ id: subOf(b), email: null, isAdmin: true, exp: Math.floor(Date.now() / 1000) + 3600 })
    const madeUp = [
      [proxyClaims.CLAIMS_HEADER, Buffer.from(payload).toString("base64url")],
      [proxyClaims.CLAIMS_MAC_HEADER, Buffer.from("x".repeat(32)).toString("base64url")],
    ] as const
    const withHeaders = (req: NextRequest, extra: readonly (readonly [string, string])[]) => {
      const h = new Headers(req.headers)
      for (const [k, v] of extra) h.set(k, v)
      return new NextRequest(req.url, { headers: h, method: req.method })
    }
    for (const forged of [stolen, madeUp]) {
      // Through the proxy: a page, signed in as A or signed out, and an API path it does not verify.
      for (const [path, jar] of [
        ["/dashboard", a],
        ["/pricing", new Map<string, string>()],
        ["/api/usage/reports", a],
      ] as const) {
        const req = withHeaders(request(path, jar), forged)
        const seen = forwardedHeaders(await updateSession(req), req.headers)
        if (jar === a && path === "/dashboard") expect(seen.get(proxyClaims.CLAIMS_HEADER)).not.toBe(stolen[0]?.[1])
        else expect(seen.get(proxyClaims.CLAIMS_HEADER)).toBeNull()
        expect((await pageUser(seen)).out?.id ?? null).toBe(jar === a ? subOf(a) : null)
      }
      // Where the proxy does not run at all: the page alone refuses them (A's cookies: A; none: nobody).
      expect((await pageUser(withHeaders(request("/dashboard", a), forged).headers)).out?.id).toBe(subOf(a))
      expect((await pageUser(withHeaders(request("/dashboard", new Map()), forged).headers)).out).toBeNull()
    }
    // B's own cookies with B's headers pass (the binding), and an expired token's claims do not.
    expect((await pageUser(bHeaders)).verifies).toBe(0)
    const name = claimsLib.sessionCookieName(auth.url)
    const bCookies = [...b].map(([n, value]) => ({ name: n, value }))
    const expired = proxyClaims.claimsHeaders(
      { id: subOf(b), email: null, isAdmin: false, exp: Math.floor(Date.now() / 1000) - 1 },
      bCookies,
      name,
    )
    expect(proxyClaims.passedClaims(new Headers(expired), bCookies, name)).toBeNull()
  })
})
