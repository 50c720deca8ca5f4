// Email links (confirmation, magic link): exchanges the PKCE code or verifies the token hash.
import type { EmailOtpType } from "@supabase/supabase-js"
import { NextResponse, type NextRequest } from "next/server"
import { safeNext } from "@/lib/auth/safe-next"
import { createClient } from "@/lib/supabase/server"

export async function GET(request: NextRequest) {
  const { searchParams } = request.nextUrl
  const next = safeNext(searchParams.get("next"))
  const supabase = await createClient()
  const code = searchParams.get("code")
  const tokenHash = searchParams.get("token_hash")
  const type = searchParams.get("type") as EmailOtpType | null
  const { error } = code
    ? await supabase.auth.exchangeCodeForSession(code)
    : tokenHash && type
      ? await supabase.auth.verifyOtp({ token_hash: tokenHash, type })
      : { error: new Error("missing code") }
  const target = request.nextUrl.clone()
  target.search = ""
  target.pathname = error ? "/auth/login" : next.split("?")[0]!
  if (error) target.searchParams.set("error", "link_invalid")
  return NextResponse.redirect(target)
}
