"use server"
// Sign up, log in and sign out through Supabase Auth (@supabase/ssr sets the session cookies).
import { isAuthApiError } from "@supabase/supabase-js"
import { redirect } from "next/navigation"
import { z } from "zod"
import { safeNext } from "@/lib/auth/safe-next"
import { log } from "@/lib/log"
import { createClient } from "@/lib/supabase/server"
import { fail, type ActionResult } from "@/lib/result"

const credentials = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password."),
  next: z.string().optional(),
})
const signUpInput = credentials.extend({ password: z.string().min(8, "Use at least 8 characters.").max(72, "Use at most 72 characters.") })

type AuthState = ActionResult | null

function fieldErrors(error: z.ZodError) {
  const out: Record<string, string> = {}
  for (const issue of error.issues) out[String(issue.path[0])] ??= issue.message
  return fail("invalid_input", "Check the highlighted fields.", out)
}

function authFailure(err: unknown, action: string) {
  if (isAuthApiError(err)) {
    if (err.code === "invalid_credentials") return fail(err.code, "Wrong email or password.")
    if (err.code === "user_already_exists" || err.code === "email_exists")
      return fail(err.code, "An account with this email already exists. Log in instead.", { email: "Already registered." })
    if (err.code === "weak_password") return fail(err.code, err.message, { password: err.message })
    if (err.status === 429) return fail("rate_limited", "Too many attempts. Please wait a minute and try again.")
    if (err.status < 500) return fail(err.code ?? "auth_error", err.message)
  }
  log.error(`${action} failed`, { error: err })
  return fail("auth_unavailable", "We couldn't reach the sign-in service. Please try again in a moment.")
}

export async function signUp(_prev: AuthState, formData: FormData): Promise<AuthState> {
  const parsed = signUpInput.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
  const supabase = await createClient()
  const { data, error } = await supabase.auth.signUp({ email: parsed.data.email, password: parsed.data.password })
  if (error) return authFailure(error, "sign up")
  if (!data.session) return { ok: true } // email confirmation required: the page tells the user to check their inbox
  redirect(safeNext(parsed.data.next))
}

export async function signIn(_prev: AuthState, formData: FormData): Promise<AuthState> {
  const parsed = credentials.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fieldErrors(parsed.error)
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
