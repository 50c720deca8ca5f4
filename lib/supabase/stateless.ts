// A supabase-js client that keeps no session (no cookies, no storage): for calls made for someone
// who is not this request's user, such as sending an invite's sign-in link, or checking whose a
// token is before it may become this browser's session.
import "server-only"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { authForwardHeaders } from "@/lib/auth/client-ip"
import { env } from "@/lib/env"

export function statelessClient(opts: { flowType?: "implicit" | "pkce"; clientIp?: string | null } = {}) {
  return createClient(env.supabaseUrl, env.supabaseAnonKey, {
    global: { headers: authForwardHeaders(opts.clientIp ?? null) },
    auth: { flowType: opts.flowType ?? "implicit", persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket; realtime is unused but supabase-js builds its client eagerly.
    realtime: { transport: WebSocket as never },
  })
}

export type TokenUser = { ok: true; id: string; email: string | null } | { ok: false; unavailable: boolean }

/** Whose access token this is, as Auth says now (a forged, expired or revoked token is refused). */
export async function userOfAccessToken(accessToken: string): Promise<TokenUser> {
  const { data, error } = await statelessClient().auth.getUser(accessToken)
  if (error || !data.user) return { ok: false, unavailable: (error?.status ?? 0) >= 500 }
  return { ok: true, id: data.user.id, email: data.user.email ?? null }
}
