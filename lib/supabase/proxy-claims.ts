// The claims the proxy verified, handed to the rest of the same page request, so getCurrentUser does not
// check the token's signature a second time (lib/auth/current-user.ts). The proxy sets two request headers
// (NextResponse.next({ request: { headers } }); Next applies them to the request and never sends them to
// the browser): the user, and an HMAC-SHA256 of it and of the session cookies it was verified from, under a
// key that lives only in this process's memory. The page trusts the user only if the MAC checks out against
// the cookies it sees, so:
// - a header sent by the client is refused even where the proxy does not run (its matcher skips static
//   files and the webhook; /api/* passes through it unverified): the client cannot compute the MAC; the proxy
//   also drops these headers from every request it sees;
// - a header and MAC seen once (say, in a log) are refused with any other session's cookies (or none), and
//   after the token's expiry;
// - a proxy in another process (a platform that runs it apart from the pages) has another key: the page finds
//   no valid MAC and verifies the token itself, as before.
// No next/headers here: the proxy uses it too.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import type { CookieList } from "./claims"

export const CLAIMS_HEADER = "x-subkit-claims"
export const CLAIMS_MAC_HEADER = "x-subkit-claims-mac"

/** What a page needs of the session: getCurrentUser's user, and when the token expires. */
export type PassedClaims = { id: string; email: string | null; isAdmin: boolean; exp: number }

// On globalThis: Next bundles proxy.ts apart from the app, but runs both in one process (loadNodeMiddleware).
const KEY = Symbol.for("subkit.proxy-claims-key")
const key = (): Buffer => ((globalThis as { [KEY]?: Buffer })[KEY] ??= randomBytes(32))

/** The session cookies (the chunks too) as the request carries them, in a fixed order: what the MAC binds. */
const sessionCookies = (cookies: CookieList, sessionName: string) =>
  cookies
    // (An emptied chunk may reach the page as an empty cookie or as none: neither counts.)
    .filter((c) => c.value !== "" && (c.name === sessionName || c.name.startsWith(`${sessionName}.`)))
    .map((c) => `${c.name}=${c.value}`)
    .sort()
    .join(";")

const mac = (payload: string, cookies: CookieList, sessionName: string) =>
  createHmac("sha256", key()).update(payload).update("\n").update(sessionCookies(cookies, sessionName)).digest()

/** The two headers the proxy adds for `claims`, verified from the session cookies in `cookies` (as forwarded). */
export function claimsHeaders(claims: PassedClaims, cookies: CookieList, sessionName: string): [string, string][] {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url")
  return [
    [CLAIMS_HEADER, payload],
    [CLAIMS_MAC_HEADER, mac(payload, cookies, sessionName).toString("base64url")],
  ]
}

/** The user the proxy verified for this request, or null (no such headers, a MAC that fails, an expired token). */
export function passedClaims(headers: Headers, cookies: CookieList, sessionName: string, now = Date.now()): PassedClaims | null {
  const payload = headers.get(CLAIMS_HEADER)
  const given = headers.get(CLAIMS_MAC_HEADER)
  if (!payload || !given) return null
  const expected = mac(payload, cookies, sessionName)
  const got = Buffer.from(given, "base64url")
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return null
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as PassedClaims
  return claims.exp * 1000 > now ? claims : null
}
