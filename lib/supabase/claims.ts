// The session's claims, verified once: one getClaims() per call, the signature checked against the JWKS
// that supabase-js caches for the process (auth-js GLOBAL_JWKS, 10 minutes, fetched again for an unknown
// kid). No next/headers here: the proxy and the server's getCurrentUser both use it.
//
// The common case needs no per-request Supabase client: building one (supabase-js's full client, with
// realtime, storage and postgrest) and @supabase/ssr's pure-JS base64url decoding of the cookie cost more
// CPU than the signature check itself (docs/benchmarks.md, bench:usage). So the session cookie is read
// here, as @supabase/ssr stores it (chunks joined by its own combineChunks, the `base64-` prefix), and
// an access token that is not near its expiry is verified by a shared stateless client's
// getClaims(token). Everything else — no parseable session, a token auth-js would refresh first
// (EXPIRY_MARGIN_MS), a symmetric (HS256) token that getClaims checks by asking Auth — goes through
// the caller's full @supabase/ssr client, which refreshes and writes the cookies as before.
import { combineChunks } from "@supabase/ssr"
import { createClient, type JwtPayload, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { env } from "@/lib/env"

export type CookieList = { name: string; value: string }[]

/** auth-js refreshes a session whose token expires within EXPIRY_MARGIN_MS (90 s); this path leaves more. */
export const FRESH_TOKEN_MARGIN_MS = 120_000

/** The cookie @supabase/ssr keeps the session in (supabase-js's default storage key; no cookieOptions.name is set). */
export function sessionCookieName(supabaseUrl: string = env.supabaseUrl): string {
  return `sb-${new URL(supabaseUrl).hostname.split(".")[0]}-auth-token`
}

/** What the cookies hold: nothing, an access token fit to verify as it is, or something for the full client. */
export type SessionToken = { kind: "none" } | { kind: "token"; token: string } | { kind: "full"; why: string }

const decodeJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

export async function sessionToken(cookies: CookieList, now = Date.now(), name = sessionCookieName()): Promise<SessionToken> {
  const raw = await combineChunks(name, (chunk) => cookies.find((c) => c.name === chunk)?.value)
  if (!raw) return { kind: "none" }
  const session = decodeJson(raw.startsWith("base64-") ? Buffer.from(raw.slice(7), "base64url").toString("utf8") : raw) as {
    access_token?: unknown
    refresh_token?: unknown
    expires_at?: unknown
  } | null
  // What auth-js's _isValidSession asks of a stored session; anything else it would remove.
  if (typeof session?.access_token !== "string" || typeof session.refresh_token !== "string" || typeof session.expires_at !== "number")
    return { kind: "full", why: "no valid session" }
  if (session.expires_at * 1000 - now < FRESH_TOKEN_MARGIN_MS) return { kind: "full", why: "refresh due" }
  const header = decodeJson(Buffer.from(session.access_token.split(".")[0] ?? "", "base64url").toString("utf8")) as {
    alg?: unknown
    kid?: unknown
  } | null
  // getClaims verifies an asymmetric token locally; a symmetric one it sends to Auth (getUser), which the
  // full client does with this request's forwarded client IP.
  if (typeof header?.alg !== "string" || header.alg.startsWith("HS") || typeof header.kid !== "string")
    return { kind: "full", why: "not an asymmetric token" }
  return { kind: "token", token: session.access_token }
}

let verifier: SupabaseClient | undefined
/** A client with no session of its own: getClaims(token) only. Its storage key, and so its JWKS cache, is the cookie clients'. */
function verifierClient(): SupabaseClient {
  return (verifier ??= createClient(env.supabaseUrl, env.supabaseAnonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket; realtime is unused but supabase-js builds its client eagerly.
    realtime: { transport: WebSocket as never },
  }))
}

/**
 * The verified claims of the session in `cookies`, or null when there is none or it does not verify.
 * `fullClient` is built only when the cookies need it (a refresh, an unusual session); it is the
 * caller's @supabase/ssr client, whose setAll writes the refreshed cookies where the caller can.
 */
export async function verifiedClaims(
  cookies: CookieList,
  fullClient: () => SupabaseClient | Promise<SupabaseClient>,
): Promise<JwtPayload | null> {
  const found = await sessionToken(cookies)
  if (found.kind === "none") return null
  const { data, error } =
    found.kind === "token" ? await verifierClient().auth.getClaims(found.token) : await (await fullClient()).auth.getClaims()
  return error || !data?.claims.sub ? null : data.claims
}

/** app_metadata is writable only with the service_role key (users cannot set it themselves). */
export function isAdminMetadata(appMetadata: unknown): boolean {
  return typeof appMetadata === "object" && appMetadata !== null && (appMetadata as { role?: unknown }).role === "admin"
}

/** The app's user in verified claims (getCurrentUser's CurrentUser), and when the token expires. */
export const userOfClaims = (claims: JwtPayload) => ({
  id: claims.sub,
  email: typeof claims.email === "string" ? claims.email : null,
  isAdmin: isAdminMetadata(claims.app_metadata),
  exp: claims.exp,
})
