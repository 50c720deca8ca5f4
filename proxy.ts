// Next's proxy (formerly middleware): session refresh and the signed-in guard.
import type { NextRequest } from "next/server"
import { updateSession } from "@/lib/supabase/proxy"

export function proxy(request: NextRequest) {
  return updateSession(request)
}

export const config = {
  // Everything but static assets and the webhook (Stripe has no session; it must reach the route untouched).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/webhooks|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico)$).*)"],
}
