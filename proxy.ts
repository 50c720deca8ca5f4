// Next's proxy (formerly middleware): security headers, session refresh and the signed-in guard.
import type { NextRequest } from "next/server"
import { newNonce, pageSecurityHeaders } from "@/lib/security-headers"
import { updateSession } from "@/lib/supabase/proxy"

export async function proxy(request: NextRequest) {
  const nonce = newNonce()
  const headers = pageSecurityHeaders(nonce)
  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  request.headers.set("content-security-policy", headers["Content-Security-Policy"] ?? "")
  request.headers.set("x-nonce", nonce)
  const response = await updateSession(request)
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
  return response
}

export const config = {
  // Everything but static assets and the webhook (Stripe has no session; it must reach the route untouched).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/webhooks|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)"],
}
