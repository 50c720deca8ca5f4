// Refreshes the Supabase session on every page request (Next's proxy) and guards signed-in areas.
// API routes answer for themselves: a route that needs the user verifies the session itself
// (getCurrentUser), refreshing an expired one and setting its cookies on its own response, so the
// proxy does not verify it a second time (docs/architecture.md, "Sessions").
import { createServerClient } from "@supabase/ssr"
import { NextResponse, type NextRequest } from "next/server"
import WebSocket from "ws"
import { authForwardHeaders, clientIpOf } from "@/lib/auth/client-ip"
import { env } from "@/lib/env"
import { sessionCookieName, userOfClaims, verifiedClaims } from "./claims"
import { CLAIMS_HEADER, CLAIMS_MAC_HEADER, claimsHeaders } from "./proxy-claims"
import { authCookieOptions } from "./cookie-options"

const PROTECTED = ["/dashboard", "/subscription", "/account", "/team"]
export const PATH_HEADER = "x-subkit-path"

/** Paths whose handlers verify the session themselves: the proxy passes them through untouched. */
export const selfAuthenticating = (path: string) => path.startsWith("/api/")

/** The request's headers without the verified-claims headers, which only this proxy may set (proxy-claims.ts). */
const withoutClaims = (request: NextRequest) => {
  const headers = new Headers(request.headers)
  headers.delete(CLAIMS_HEADER)
  headers.delete(CLAIMS_MAC_HEADER)
  return headers
}

export async function updateSession(request: NextRequest) {
  if (selfAuthenticating(request.nextUrl.pathname)) {
    // Unverified here, so nothing is passed on; a client's own claims headers are dropped all the same.
    const forged = request.headers.has(CLAIMS_HEADER) || request.headers.has(CLAIMS_MAC_HEADER)
    return forged ? NextResponse.next({ request: { headers: withoutClaims(request) } }) : NextResponse.next()
  }
  // The verified user for the rest of this request (set below once the session is checked).
  let passed: [string, string][] = []
  // The headers the rest of this request (server components, actions) sees. Rebuilt after a refresh,
  // so they carry the new session cookies rather than the expired ones the browser sent.
  const forwarded = () => {
    const headers = withoutClaims(request)
    headers.set(PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search)
    for (const [name, value] of passed) headers.set(name, value)
    return headers
  }
  let response = NextResponse.next({ request: { headers: forwarded() } })
  const fullClient = () =>
    createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
      // A token refresh counts against the client's IP at Auth, not this server's.
      global: { headers: authForwardHeaders(clientIpOf(request.headers)) },
      cookies: {
        getAll: () => request.cookies.getAll(),
        setAll(cookiesToSet) {
          for (const { name, value } of cookiesToSet) request.cookies.set(name, value)
          response = NextResponse.next({ request: { headers: forwarded() } })
          for (const { name, value, options } of cookiesToSet) response.cookies.set(name, value, options)
        },
      },
      cookieOptions: authCookieOptions(),
      realtime: { transport: WebSocket as never },
    })
  // getClaims() verifies the access token against the cached JWKS (no request to Auth); the full
  // client refreshes it first when it is about to expire (claims.ts). A revoked-but-unexpired token
  // passes until it expires (≤ 1 h); pages that must know better call getUser() (docs/architecture.md).
  const claims = await verifiedClaims(request.cookies.getAll(), fullClient)
  const signedIn = !!claims?.sub
  if (claims?.sub) {
    // Handed to getCurrentUser, bound to the session cookies as forwarded (refreshed ones included).
    passed = claimsHeaders(userOfClaims(claims), request.cookies.getAll(), sessionCookieName())
    const cookiesSet = response.cookies.getAll()
    response = NextResponse.next({ request: { headers: forwarded() } })
    for (const c of cookiesSet) response.cookies.set(c)
  }
  const path = request.nextUrl.pathname
  // Server actions answer for themselves (an "unauthenticated" result the UI shows); redirecting
  // their POST would surface as a network error instead.
  const isAction = request.method === "POST" && request.headers.has("next-action")
  if (!signedIn && !isAction && PROTECTED.some((p) => path === p || path.startsWith(`${p}/`))) {
    const login = request.nextUrl.clone()
    login.pathname = "/auth/login"
    login.search = `?next=${encodeURIComponent(path + request.nextUrl.search)}`
    const redirect = NextResponse.redirect(login)
    for (const c of response.cookies.getAll()) redirect.cookies.set(c)
    return redirect
  }
  return response
}
