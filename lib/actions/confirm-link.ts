"use server"
// The explicit step of an email link in the token_hash form (issue 23, item 1): the page at
// /auth/confirm/link names the account and posts here; only this verifies the token. It is verified
// with a client that keeps no session, and becomes this browser's session only if its account is the
// one the page named, so a link an attacker made for their own account cannot sign anyone in unseen.
// A server action: Next refuses a cross-site POST (Origin check), so no other site can submit it.
import { redirect } from "next/navigation"
import { z } from "zod"
import { LINK_TYPES } from "@/lib/auth/link-types"
import { safeNext } from "@/lib/auth/safe-next"
import { fail, type ActionResult } from "@/lib/result"
import { createClient } from "@/lib/supabase/server"
import { statelessClient } from "@/lib/supabase/stateless"

const linkForm = z.object({
  token_hash: z.string().min(1).max(512),
  type: z.enum(LINK_TYPES),
  next: z.string().max(2048).optional(),
  email: z.string().trim().toLowerCase().max(320).optional(),
})

const failedPath = (next: string) =>
  next.startsWith("/auth/reset-password") ? "/auth/forgot-password?error=link_invalid" : "/auth/login?error=link_invalid"

export async function confirmEmailLink(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  const parsed = linkForm.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fail("invalid_link", "This link is not valid. Ask for a new one.")
  const { token_hash, type, email } = parsed.data
  const next = safeNext(parsed.data.next)
  const { data, error } = await statelessClient().auth.verifyOtp({ token_hash, type })
  if (error) redirect(failedPath(next))
  // Secure email change: the first of the two links only records its half.
  if (!data.session || !data.user) redirect("/account?updated=email_half")
  const addresses = [data.user.email, data.user.new_email].filter(Boolean).map((a) => a?.toLowerCase())
  if (email && !addresses.includes(email)) {
    await statelessClient()
      .auth.admin.signOut(data.session.access_token, "local")
      .catch(() => {})
    return fail("link_mismatch", `This link is not for ${email}. Nothing changed; ask for a new link.`)
  }
  const supabase = await createClient()
  const set = await supabase.auth.setSession({ access_token: data.session.access_token, refresh_token: data.session.refresh_token })
  if (set.error) redirect(failedPath(next))
  redirect(next)
}
