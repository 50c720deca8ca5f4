// The signed-in user for this request. getClaims() verifies the session's JWT locally against the
// cached JWKS (no request to Auth), once per request (cache(); lib/supabase/claims.ts builds no
// Supabase client unless the session needs a refresh); getFreshUser() asks Auth, for pages that must
// see a revoked session or account data the token does not carry (see docs/architecture.md).
import "server-only"
import { redirect } from "next/navigation"
import { cookies, headers } from "next/headers"
import { cache } from "react"
import { isAdminMetadata, sessionCookieName, userOfClaims, verifiedClaims } from "@/lib/supabase/claims"
import { passedClaims } from "@/lib/supabase/proxy-claims"
import { createClient } from "@/lib/supabase/server"
import { PATH_HEADER } from "@/lib/supabase/proxy"
import { safeNext } from "./safe-next"

export { isAdminMetadata }

/** `isAdmin`: the token's app_metadata.role is "admin" (set only through the Auth admin API; see lib/auth/admin.ts). */
export type CurrentUser = { id: string; email: string | null; isAdmin?: boolean }

export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const jar = (await cookies()).getAll()
  // A page request: the proxy verified the session a moment ago and says so under its MAC (proxy-claims.ts).
  const passed = passedClaims(await headers(), jar, sessionCookieName())
  if (passed) return { id: passed.id, email: passed.email, isAdmin: passed.isAdmin }
  const claims = await verifiedClaims(jar, createClient)
  if (!claims) return null
  const { id, email, isAdmin } = userOfClaims(claims)
  return { id, email, isAdmin }
})

export type FreshUser = CurrentUser & { pendingEmail: string | null }

/** Validated by Auth now: a session signed out elsewhere (or by a password change) is refused. */
export const getFreshUser = cache(async (): Promise<FreshUser | null> => {
  const supabase = await createClient()
  const { data, error } = await supabase.auth.getUser()
  if (error || !data.user) return null
  return {
    id: data.user.id,
    email: data.user.email ?? null,
    isAdmin: isAdminMetadata(data.user.app_metadata),
    pendingEmail: data.user.new_email ?? null,
  }
})

async function loginRedirect(): Promise<never> {
  const path = safeNext((await headers()).get(PATH_HEADER))
  redirect(`/auth/login?next=${encodeURIComponent(path)}`)
}

/** For signed-in pages: the user, or a redirect to log in and come back here. */
export async function requireUser(): Promise<CurrentUser> {
  return (await getCurrentUser()) ?? loginRedirect()
}

/** As requireUser, checked with Auth (account settings). */
export async function requireFreshUser(): Promise<FreshUser> {
  return (await getFreshUser()) ?? loginRedirect()
}
