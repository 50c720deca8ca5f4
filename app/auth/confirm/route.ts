// Email links (confirmation, magic link, password reset, email change): exchanges the PKCE code or
// verifies the token hash, then goes to `next`. A link that fails lands where a new one can be asked.
import type { EmailOtpType } from "@supabase/supabase-js"
import { NextResponse, type NextRequest } from "next/server"
import { ownPath, safeNext } from "@/lib/auth/safe-next"
import { env } from "@/lib/env"
import { createClient } from "@/lib/supabase/server"

export async function GET(request: NextRequest) {
  const { searchParams } = request.nextUrl
  const next = safeNext(ownPath(searchParams.get("next"), env.appUrl))
  const code = searchParams.get("code")
  const tokenHash = searchParams.get("token_hash")
  const type = searchParams.get("type") as EmailOtpType | null
  // Secure email change with confirmations on: the first of the two links only records its half.
  if (!code && !tokenHash && searchParams.get("message")) return NextResponse.redirect(new URL("/account?updated=email_half", request.url))
  const supabase = await createClient()
  const { error } = code
    ? await supabase.auth.exchangeCodeForSession(code)
    : tokenHash && type
      ? await supabase.auth.verifyOtp({ token_hash: tokenHash, type })
      : { error: new Error("missing code") }
  if (!error) return NextResponse.redirect(new URL(next, request.url))
  const failed = next.startsWith("/auth/reset-password") ? "/auth/forgot-password?error=link_invalid" : "/auth/login?error=link_invalid"
  return NextResponse.redirect(new URL(failed, request.url))
}
