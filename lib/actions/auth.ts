"use server"
// Sign up, log in, sign out, password reset and account changes through Supabase Auth
// (@supabase/ssr sets the session cookies; email links come back through /auth/confirm).
import { isAuthApiError } from "@supabase/supabase-js"
import { redirect } from "next/navigation"
import { z } from "zod"
import { limitAuthAttempt, requestIp } from "@/lib/auth/auth-limits"
import { safeNext } from "@/lib/auth/safe-next"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { createClient } from "@/lib/supabase/server"
import { statelessClient } from "@/lib/supabase/stateless"
import { fail, type ActionResult } from "@/lib/result"

const credentials = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password."),
  next: z.string().optional(),
})
const newPassword = z.string().min(8, "Use at least 8 characters.").max(72, "Use at most 72 characters.")
const signUpInput = credentials.extend({ password: newPassword })
const emailOnly = z.object({ email: credentials.shape.email })
const passwordChange = z
  .object({ password: newPassword, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The passwords don't match." })

/** Where an email link lands: /auth/confirm signs the link in, then goes to `next`. */
const linkTarget = (next: string) => `${env.appUrl}/auth/confirm?next=${encodeURIComponent(next)}`

type AuthState = ActionResult | null

function fieldErrors(error: z.ZodError) {
  const out: Record<string, string> = {}
  for (const issue of error.issues) out[String(issue.path[0])] ??= issue.message
  return fail("invalid_input", "Check the highlighted fields.", out)
}

function authFailure(err: unknown, action: string) {
  if (isAuthApiError(err)) {
    if (action === "email change" && err.code === "email_exists")
      return fail(err.code, "Another account already uses this email address.", { email: "Already in use." })
    if (err.code === "invalid_credentials") return fail(err.code, "Wrong email or password.")
    if (err.code === "user_already_exists" || err.code === "email_exists")
      return fail(err.code, "An account with this email already exists. Log in instead.", { email: "Already registered." })
    if (err.code === "weak_password") return fail(err.code, err.message, { password: err.message })
    if (err.code === "same_password")
      return fail(err.code, "Choose a password different from your current one.", { password: "Same as your current password." })
    if (err.code === "session_not_found" || err.code === "refresh_token_not_found" || err.name === "AuthSessionMissingError")
      return fail("session_expired", "Your session has expired. Log in again to continue.")
    if (err.status === 429) return fail("rate_limited", "Too many attempts. Please wait a minute and try again.")
    if (err.status < 500) return fail(err.code ?? "auth_error", err.message)
  }
  if (err instanceof Error && err.name === "AuthSessionMissingError")
    return fail("session_expired", "Your session has expired. Log in again to continue.")
  log.error(`${action} failed`, { error: err })
  return fail("auth_unavailable", "We couldn't reach the sign-in service. Please try again in a moment.")
}

export async function signUp(_prev: AuthState, formData: FormData): Promise<AuthState> {
  const parsed = signUpInput.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
  const limited = await limitAuthAttempt("sign_up", parsed.data.email)
  if (limited) return limited
  const supabase = await createClient()
  const { data, error } = await supabase.auth.signUp({ email: parsed.data.email, password: parsed.data.password })
  if (error) return authFailure(error, "sign up")
  if (!data.session) return { ok: true } // email confirmation required: the page tells the user to check their inbox
  redirect(safeNext(parsed.data.next))
}

export async function signIn(_prev: AuthState, formData: FormData): Promise<AuthState> {
  const parsed = credentials.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
  const limited = await limitAuthAttempt("sign_in", parsed.data.email)
  if (limited) return limited
  const supabase = await createClient()
  const { error } = await supabase.auth.signInWithPassword({ email: parsed.data.email, password: parsed.data.password })
  if (error) return authFailure(error, "sign in")
  redirect(safeNext(parsed.data.next))
}

export async function signOut(): Promise<void> {
  const supabase = await createClient()
  const { error } = await supabase.auth.signOut()
  if (error) log.warn("sign out failed; clearing the local session anyway", { error })
  redirect("/auth/login?signed_out=1")
}

/** Emails a reset link. Same answer whether or not the address has an account (no enumeration). */
export async function requestPasswordReset(_prev: AuthState, formData: FormData): Promise<AuthState> {
  const parsed = emailOnly.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
  const limited = await limitAuthAttempt("password_reset", parsed.data.email)
  if (limited) return limited
  const supabase = await createClient()
  const { error } = await supabase.auth.resetPasswordForEmail(parsed.data.email, { redirectTo: linkTarget("/auth/reset-password") })
  if (error) return authFailure(error, "password reset request")
  return { ok: true }
}

const currentPassword = z.string().min(1, "Enter your current password.")

/**
 * The signed-in user's current password, checked before a password or email change (issue 23, item 7),
 * so a session left open in a shared browser cannot take the account over. Checked by a password sign-in on
 * a client that keeps no session (the session it makes is signed out at once); counted with sign-in
 * attempts, since it answers "is this the password?" too. Chosen over Supabase's reauthentication nonce,
 * which would mail a code on every change and spend the project's email quota.
 */
async function checkCurrentPassword(supabase: Awaited<ReturnType<typeof createClient>>, password: string): Promise<AuthState> {
  const { data, error } = await supabase.auth.getUser()
  if (error || !data.user?.email) return authFailure(error ?? new Error("no user email"), "current password check")
  const limited = await limitAuthAttempt("sign_in", data.user.email)
  if (limited) return limited
  const check = statelessClient({ clientIp: await requestIp() })
  const signedIn = await check.auth.signInWithPassword({ email: data.user.email, password })
  if (signedIn.error) {
    if (signedIn.error.code === "invalid_credentials")
      return fail("wrong_current_password", "Your current password is not right.", { current_password: "Not your current password." })
    return authFailure(signedIn.error, "current password check")
  }
  await check.auth.signOut({ scope: "local" })
  return null
}

/** Sets a new password for the signed-in user (after a reset link, or from the account page). */
async function setPassword(formData: FormData, after?: string, askCurrent = false): Promise<AuthState> {
  const parsed = passwordChange.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
  const current = askCurrent ? currentPassword.safeParse(formData.get("current_password")) : null
  if (current && !current.success)
    return fail("invalid_input", "Check the highlighted fields.", { current_password: "Enter your current password." })
  const supabase = await createClient()
  if (current?.success) {
    const refused = await checkCurrentPassword(supabase, current.data)
    if (refused) return refused
  }
  // updateUser asks Auth with the session's token: a signed-out or expired session is refused there.
  const { error } = await supabase.auth.updateUser({ password: parsed.data.password })
  if (error) return authFailure(error, "password change")
  if (after) redirect(after)
  return { ok: true }
}

export async function resetPassword(_prev: AuthState, formData: FormData): Promise<AuthState> {
  return setPassword(formData, "/account?updated=password")
}

/** From the account page: the current password first (a reset link's session is proof enough). */
export async function changePassword(_prev: AuthState, formData: FormData): Promise<AuthState> {
  return setPassword(formData, undefined, true)
}

type EmailChangeState = ActionResult<{ email: string }> | null

/** Mails a confirmation link to the new address; the email changes when it is followed. */
export async function changeEmail(_prev: EmailChangeState, formData: FormData): Promise<EmailChangeState> {
  const parsed = emailOnly.extend({ current_password: currentPassword }).safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
  const limited = await limitAuthAttempt("email_change", parsed.data.email)
  if (limited) return limited
  const supabase = await createClient()
  const refused = await checkCurrentPassword(supabase, parsed.data.current_password)
  if (refused && !refused.ok) return refused
  const { data, error } = await supabase.auth.updateUser(
    { email: parsed.data.email },
    { emailRedirectTo: linkTarget("/account?updated=email") },
  )
  if (error) return authFailure(error, "email change")
  if (data.user?.email === parsed.data.email)
    return fail("same_email", "That's already your email address.", { email: "Already your address." })
  return { ok: true, email: parsed.data.email }
}
