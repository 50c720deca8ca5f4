// The signed-in user for this request. getClaims() verifies the session's JWT locally against the
// cached JWKS (no request to Auth), once per request (cache(); lib/supabase/claims.ts builds no
// Supabase client unless the session needs a refresh); getFreshUser() asks Auth, for pages that must
// see a revoked session or account data the token does not carry (see docs/architecture.md).
import "server-only"
import { redirect } from "next/navigation"
import { cookies, headers } from "next/headers"
import { cache } from "react"
import { verifiedClaims } from "@/lib/supabase/claims"
import { createClient } from "@/lib/supabase/server"
import { PATH_HEADER } from "@/lib/supabase/proxy"
import { safeNext } from "./safe-next"

/** app_metadata is writable only with the service_role key (users cannot set it themselves). */
export function isAdminMetadata(appMetadata: unknown): boolean {
  return typeof appMetadata === "object" && appMetadata !== null && (appMetadata as { role?: unknown }).role === "admin"
}

/** `isAdmin`: the token's app_metadata.role is "admin" (set only through the Auth admin API; see lib/auth/admin.ts). */
export type CurrentUser = { id: string; email: string | null; isAdmin?: boolean }

export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const claims = await verifiedClaims((await cookies()).getAll(), createClient)
  if (!claims) return null
  return {
    id: claims.sub,
    email: typeof claims.email === "string" ? claims.email : null,
    isAdmin: isAdminMetadata(claims.app_metadata),
  }
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
