// Refreshes the Supabase session on every request (Next's proxy) and guards signed-in areas.
import { createServerClient } from "@supabase/ssr"
import { NextResponse, type NextRequest } from "next/server"
import WebSocket from "ws"
import { authForwardHeaders, clientIpOf } from "@/lib/auth/client-ip"
import { env } from "@/lib/env"
import { authCookieOptions } from "./cookie-options"

const PROTECTED = ["/dashboard", "/subscription", "/account", "/team"]
export const PATH_HEADER = "x-subkit-path"

export async function updateSession(request: NextRequest) {
  // The headers the rest of this request (server components, actions) sees. Rebuilt after a refresh,
  // so they carry the new session cookies rather than the expired ones the browser sent.
  const forwarded = () => {
    const headers = new Headers(request.headers)
    headers.set(PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search)
    return headers
  }
  let response = NextResponse.next({ request: { headers: forwarded() } })
  const supabase = createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
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
  // getClaims() verifies the access token against the cached JWKS (no request to Auth), and refreshes
  // it first when it has expired. A revoked-but-unexpired token passes until it expires (≤ 1 h);
  // pages that must know better call getUser() (see docs/architecture.md).
  const { data } = await supabase.auth.getClaims()
  const signedIn = !!data?.claims.sub
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
