// Hosted Supabase's API gateway in front of Auth: every request carries an API key (the `apikey` header, or an
// `apikey` URL parameter), which is the project's publishable key (`sb_publishable_…`, role anon), one of its
// secret keys (`sb_secret_…`, role service_role, refused from a browser) or a legacy anon / service_role JWT;
// anything else is refused before Auth sees it. For a publishable or secret key the gateway mints a short-lived
// JWT of the key's role and forwards it as `Authorization` (when the request has none, or only the key itself
// there), so Auth, which knows only JWTs, never sees the opaque key. supabase.com/docs/guides/api/api-keys.
import { createHash, timingSafeEqual } from "node:crypto"
import type http from "node:http"
import type { Jwt } from "./tokens"

/** The Supabase CLI's local publishable key (`supabase status`), the default with the CLI's JWT secret. */
export const LOCAL_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"
/** The Supabase CLI's local secret key, the default with the CLI's JWT secret. */
export const LOCAL_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
const CLI_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"

export type ApiKeyRole = "anon" | "service_role"

/**
 * The default keys for a JWT secret: the CLI's own for its local secret (so a project written against
 * `supabase start` works unchanged), otherwise keys derived from the secret, in the same shape
 * (`sb_<type>_` + 22 + `_` + 8 base64url characters), so they survive a restart as the legacy keys do.
 */
export function defaultApiKeys(jwtSecret: string): { publishableKey: string; secretKey: string } {
  if (jwtSecret === CLI_JWT_SECRET) return { publishableKey: LOCAL_PUBLISHABLE_KEY, secretKey: LOCAL_SECRET_KEY }
  const part = (label: string) => createHash("sha256").update(`subkit-auth-${label}:${jwtSecret}`).digest("base64url")
  const key = (type: string) => `sb_${type}_${part(type).slice(0, 22)}_${part(`${type}-check`).slice(0, 8)}`
  return { publishableKey: key("publishable"), secretKey: key("secret") }
}

/** A refusal by the gateway: `{ message, hint }` with `sb-error-code` (not GoTrue's `{ code, message }`). */
export class GatewayError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public hint?: string,
  ) {
    super(message)
  }
}

const missing = () =>
  new GatewayError(401, "UNAUTHORIZED_MISSING_API_KEY", "No API key found in request", "No `apikey` request header or url param was found.")
const invalid = () =>
  new GatewayError(401, "UNAUTHORIZED_INVALID_API_KEY", "Invalid API key", "Double check your Supabase `anon` or `service_role` API key.")
const secretInBrowser = () =>
  new GatewayError(
    401,
    "UNAUTHORIZED_INVALID_API_KEY_TYPE",
    "Forbidden use of secret API key in browser",
    "Secret API keys can only be used in a protected environment and should never be used in a browser. Delete this secret API key immediately!",
  )

// "You cannot use a secret key in the browser (matches on the User-Agent header)": every browser's User-Agent
// starts with Mozilla/; so do clients that pose as one (Apps Script, PowerShell), which hosted refuses as well.
const BROWSER_USER_AGENT = /\bMozilla\//i
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
// The roles of the legacy API keys: a JWT with another role (a user's access token) is no API key.
const LEGACY_ROLES: readonly string[] = ["anon", "service_role"]
const MINTED_TTL_S = 300

const digest = (s: string) => createHash("sha256").update(s).digest()
const sameKey = (a: string, b: Buffer) => timingSafeEqual(digest(a), b)

export type ApiKeyOptions = { jwt: Jwt; publishableKey: string; secretKeys: string[] }

/** Refuses the options hosted could never have: keys of the wrong type, or none. */
export function checkApiKeyOptions(publishableKey: string, secretKeys: string[]) {
  if (!/^sb_publishable_[A-Za-z0-9_-]+$/.test(publishableKey))
    throw new Error(`publishableKey must be an sb_publishable_… key, not ${publishableKey.slice(0, 15)}…`)
  if (secretKeys.length === 0) throw new Error("secretKey: give at least one sb_secret_… key")
  for (const k of secretKeys)
    if (!/^sb_secret_[A-Za-z0-9_-]+$/.test(k)) throw new Error(`secretKey must be an sb_secret_… key, not ${k.slice(0, 10)}…`)
}

export function createApiKeyGate({ jwt, publishableKey, secretKeys }: ApiKeyOptions) {
  checkApiKeyOptions(publishableKey, secretKeys)
  const publishable = digest(publishableKey)
  const secrets = secretKeys.map(digest)
  // A legacy key's role, by key: verified once until it expires (a project's keys are the same few strings).
  const legacy = new Map<string, { role: ApiKeyRole | null; until: number }>()
  const minted = new Map<ApiKeyRole, { token: string; until: number }>()

  async function legacyRole(key: string): Promise<ApiKeyRole | null> {
    const now = Math.floor(Date.now() / 1000)
    const held = legacy.get(key)
    if (held && held.until > now) return held.role
    let found: { role: ApiKeyRole | null; until: number } = { role: null, until: now + 60 }
    try {
      const claims = await jwt.verifyApiKey(key)
      if (claims.role && LEGACY_ROLES.includes(claims.role))
        found = { role: claims.role as ApiKeyRole, until: Math.min(claims.exp ?? Infinity, now + 3600) }
    } catch {
      // not one of ours: refused, and asked again in a minute
    }
    if (legacy.size > 1000) legacy.clear()
    legacy.set(key, found)
    return found.role
  }

  async function mint(role: ApiKeyRole) {
    const now = Math.floor(Date.now() / 1000)
    const held = minted.get(role)
    if (held && held.until > now + 60) return held.token
    const token = await jwt.signRole(role, now, MINTED_TTL_S)
    minted.set(role, { token, until: now + MINTED_TTL_S })
    return token
  }

  /** Admits the request or throws the gateway's refusal; rewrites `Authorization` as the gateway forwards it. */
  return async function admit(req: http.IncomingMessage, url: URL): Promise<ApiKeyRole> {
    const header = req.headers.apikey
    const key = (Array.isArray(header) ? header[0] : header) || url.searchParams.get("apikey") || ""
    // Only `apikey` counts: a key sent in Authorization alone is "No API key found" (the docs' support
    // article on UNAUTHORIZED_MISSING_API_KEY for a secret key in `Authorization: Bearer` only).
    if (!key) throw missing()
    let role: ApiKeyRole
    if (sameKey(key, publishable)) role = "anon"
    else if (secrets.some((s) => sameKey(key, s))) {
      if (BROWSER_USER_AGENT.test(req.headers["user-agent"] ?? "")) throw secretInBrowser()
      role = "service_role"
    } else if (JWT_SHAPE.test(key)) {
      const found = await legacyRole(key)
      if (!found) throw invalid()
      // A legacy key is itself a JWT: forwarded as the bearer when there is none (the CLI's Kong does so).
      if (!req.headers.authorization) req.headers.authorization = `Bearer ${key}`
      return found
    } else throw invalid()
    // "You cannot send a publishable or secret key in the Authorization: Bearer … header, except if the value
    // exactly equals the apikey header": then (or with no Authorization) the minted JWT replaces it; any other
    // Authorization (a user's access token, or another opaque key that Auth refuses as no JWT) goes on as sent.
    const auth = req.headers.authorization
    if (!auth || auth === `Bearer ${key}`) req.headers.authorization = `Bearer ${await mint(role)}`
    return role
  }
}
