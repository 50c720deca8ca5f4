// A session for an invited address, made when the invitee presses Join on /invite (the app mails the
// invite itself, so there is no Supabase email link to follow). Supabase's admin API generates the
// magic link an email would carry (auth.admin.generateLink: for an address with no account, GoTrue
// signs it up and answers with a signup link), and the token is verified at once on a client that keeps
// no session; the caller decides whether it becomes this browser's session. Needs the secret key
// (SUPABASE_SECRET_KEY, or the legacy SUPABASE_SERVICE_ROLE_KEY; server-only). generateLink sends no email, so it spends none of the
// project's Auth email quota.
import "server-only"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { authForwardHeaders } from "@/lib/auth/client-ip"
import { env } from "@/lib/env"
import { statelessClient } from "./stateless"

export type InviteSession =
  | { ok: true; userId: string; email: string | null; accessToken: string; refreshToken: string }
  | { ok: false; unavailable: boolean; message: string }

export async function sessionForInvitedAddress(email: string, clientIp: string | null): Promise<InviteSession> {
  if (!env.supabaseServiceRoleKey)
    return { ok: false, unavailable: true, message: "SUPABASE_SECRET_KEY (or SUPABASE_SERVICE_ROLE_KEY) is not set" }
  const admin = createClient(env.supabaseUrl, env.supabaseServiceRoleKey, {
    global: { headers: authForwardHeaders(clientIp) },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  }).auth.admin
  const link = await admin.generateLink({ type: "magiclink", email })
  const props = link.data.properties
  if (link.error || !props?.hashed_token)
    return { ok: false, unavailable: (link.error?.status ?? 500) >= 500, message: link.error?.message ?? "no link was generated" }
  const type = props.verification_type === "signup" ? "signup" : "magiclink"
  const { data, error } = await statelessClient({ clientIp }).auth.verifyOtp({ type, token_hash: props.hashed_token })
  if (error || !data.session || !data.user)
    return { ok: false, unavailable: (error?.status ?? 500) >= 500, message: error?.message ?? "the link gave no session" }
  return {
    ok: true,
    userId: data.user.id,
    email: data.user.email ?? null,
    accessToken: data.session.access_token,
    refreshToken: data.session.refresh_token,
  }
}
