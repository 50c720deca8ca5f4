// Emails someone a sign-in link that lands on `redirectTo` (team invites). Sent by Supabase Auth's
// own mailer (the Auth emulator's mailbox offline), so no other email service is needed. The link is
// for the recipient's browser, not this server's, so it cannot use PKCE (whose verifier would be in
// the sender's cookies): this client uses the implicit flow, and the page it lands on hands the
// tokens in the URL fragment to the server (components/team/adopt-link-session.tsx).
import "server-only"
import { requestIp } from "@/lib/auth/auth-limits"
import { statelessClient } from "./stateless"

export type SendLinkResult = { ok: true } | { ok: false; rateLimited: boolean; message: string }

export async function sendSignInLink(email: string, redirectTo: string): Promise<SendLinkResult> {
  const supabase = statelessClient({ flowType: "implicit", clientIp: await requestIp() })
  // shouldCreateUser: an invitee without an account gets one, confirmed by following the link.
  const { error } = await supabase.auth.signInWithOtp({ email, options: { shouldCreateUser: true, emailRedirectTo: redirectTo } })
  if (!error) return { ok: true }
  return { ok: false, rateLimited: error.status === 429, message: error.message }
}
