// Email links (confirmation, magic link, password reset, email change). A PKCE code is exchanged here
// (only the browser that asked holds its verifier). A token_hash link never signs in on GET: it goes to
// /auth/confirm/link, which names the account and signs in only when its button is pressed (a link
// made for someone else's account must not replace this browser's session unseen). A link that fails
// lands where a new one can be asked.
import { NextResponse, type NextRequest } from "next/server"
import { z } from "zod"
import { ownPath, safeNext } from "@/lib/auth/safe-next"
import { parseSearchParams } from "@/lib/auth/search-params"
import { LINK_TYPES } from "@/lib/auth/link-types"
import { env } from "@/lib/env"
import { createClient } from "@/lib/supabase/server"

const params = {
  next: z.string().max(2048),
  code: z.string().min(1).max(512),
  token_hash: z.string().min(1).max(512),
  type: z.enum(LINK_TYPES),
  email: z.string().trim().toLowerCase().max(320),
  message: z.string().max(512),
}

export async function GET(request: NextRequest) {
  const q = parseSearchParams(request.nextUrl.searchParams, params)
  const next = safeNext(ownPath(q.next, env.appUrl))
  // Secure email change with confirmations on: the first of the two links only records its half.
  if (!q.code && !q.token_hash && q.message) return NextResponse.redirect(new URL("/account?updated=email_half", request.url))
  if (q.token_hash && q.type) {
    const page = new URL("/auth/confirm/link", request.url)
    page.searchParams.set("token_hash", q.token_hash)
    page.searchParams.set("type", q.type)
    page.searchParams.set("next", next)
    if (q.email) page.searchParams.set("email", q.email)
    return NextResponse.redirect(page, 303)
  }
  const { error } = q.code ? await (await createClient()).auth.exchangeCodeForSession(q.code) : { error: new Error("missing code") }
  if (!error) return NextResponse.redirect(new URL(next, request.url))
  const failed = next.startsWith("/auth/reset-password") ? "/auth/forgot-password?error=link_invalid" : "/auth/login?error=link_invalid"
  return NextResponse.redirect(new URL(failed, request.url))
}
