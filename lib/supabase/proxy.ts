// Refreshes the Supabase session on every request (Next's proxy) and guards signed-in areas.
import { createServerClient } from "@supabase/ssr"
import { NextResponse, type NextRequest } from "next/server"
import WebSocket from "ws"
import { env } from "@/lib/env"

const PROTECTED = ["/dashboard", "/subscription"]
export const PATH_HEADER = "x-subkit-path"

export async function updateSession(request: NextRequest) {
  const forward = new Headers(request.headers)
  forward.set(PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search)
  let response = NextResponse.next({ request: { headers: forward } })
  const supabase = createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll(cookiesToSet) {
        for (const { name, value } of cookiesToSet) request.cookies.set(name, value)
        response = NextResponse.next({ request: { headers: forward } })
        for (const { name, value, options } of cookiesToSet) response.cookies.set(name, value, options)
      },
    },
    realtime: { transport: WebSocket as never },
  })
  // getUser() revalidates the token with the auth server and refreshes it when expired.
  const {
    data: { user },
  } = await supabase.auth.getUser()
  const path = request.nextUrl.pathname
  // Server actions answer for themselves (an "unauthenticated" result the UI shows); redirecting
  // their POST would surface as a network error instead.
  const isAction = request.method === "POST" && request.headers.has("next-action")
  if (!user && !isAction && PROTECTED.some((p) => path === p || path.startsWith(`${p}/`))) {
    const login = request.nextUrl.clone()
    login.pathname = "/auth/login"
    login.search = `?next=${encodeURIComponent(path + request.nextUrl.search)}`
    const redirect = NextResponse.redirect(login)
    for (const c of response.cookies.getAll()) redirect.cookies.set(c)
    return redirect
  }
  return response
}
