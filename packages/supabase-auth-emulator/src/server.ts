// The Supabase Auth (GoTrue) HTTP API subset that supabase-js and @supabase/ssr call, on the app's
// own database: users live in auth.users, so the public.users trigger and foreign keys behave as on
// Supabase. Dev and test tool; the app never imports it.
import http from "node:http"
import { isOwnOrigin } from "@subkit/local-only"
import { createDatabaseLink } from "./database-link"
import { Mailbox } from "./mailbox"
import { startSmtpSink, type SmtpSink } from "./smtp-sink"
import { clientAddress, createRateLimiter, limitGroup, type RateLimitOptions } from "./rate-limits"
import { matchRoute, type Handler } from "./route-table"
import { createRoutes } from "./routes"
import { AuthError, createAuthService } from "./service"
import { checkApiKeyOptions, createApiKeyGate, defaultApiKeys, GatewayError } from "./api-keys"
import { Jwt, parseJwtKeys, type JwtKey, type KdfCost } from "./tokens"

export const LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
export { defaultApiKeys, LOCAL_PUBLISHABLE_KEY, LOCAL_SECRET_KEY } from "./api-keys"

export type AuthEmulatorOptions = {
  databaseUrl: string
  port?: number
  host?: string
  jwtSecret?: string
  /**
   * GOTRUE_JWT_KEYS: a JSON array of JWKs (or the array), RS256/RS512/ES256/ES512/EdDSA or HS256 `oct`, one of
   * them with `key_ops` containing "sign" (see parseJwtKeys in tokens.ts). Unset: one ES256 key derived from
   * `jwtSecret`.
   */
  jwtKeys?: string | JwtKey[]
  /**
   * The project's publishable key (`sb_publishable_…`, role anon). Default: the Supabase CLI's local one with the
   * CLI's JWT secret, else one derived from `jwtSecret` (defaultApiKeys in api-keys.ts).
   */
  publishableKey?: string
  /** Its secret key, or several (`sb_secret_…`, role service_role). Default: as `publishableKey`. */
  secretKey?: string | string[]
  /** Access token lifetime (GoTrue's default is 3600 s). */
  jwtTtlSeconds?: number
  kdf?: KdfCost
  /** Where the magic links point (defaults to the listening address). */
  publicUrl?: string
  /** GOTRUE_SITE_URL: where emailed and generated links send the user when they name no `redirect_to` (default `publicUrl`). */
  siteUrl?: string
  log?: (line: string) => void
  /** Signups need no email confirmation (the CLI's default); false mails a confirmation link first. */
  mailerAutoconfirm?: boolean
  /** Email changes mail the current address too (the CLI's `double_confirm_changes`, on by default). */
  secureEmailChange?: boolean
  /** An SMTP listener that drops every message into the mailbox (0: any free port; unset: none). */
  smtpPort?: number
  /** GoTrue's per-IP limits on sign-in, sign-up, emailed links and verify (off unless given); see rate-limits.ts. */
  rateLimits?: RateLimitOptions
}

export async function startAuthEmulator(opts: AuthEmulatorOptions) {
  const host = opts.host ?? "127.0.0.1"
  // Bad keys refuse to start, before anything listens (GoTrue refuses its configuration).
  if (opts.jwtKeys !== undefined) parseJwtKeys(opts.jwtKeys)
  const defaults = defaultApiKeys(opts.jwtSecret ?? LOCAL_JWT_SECRET)
  const publishableKey = opts.publishableKey ?? defaults.publishableKey
  const secretKeys = opts.secretKey === undefined ? [defaults.secretKey] : [opts.secretKey].flat()
  checkApiKeyOptions(publishableKey, secretKeys)
  const log = opts.log ?? ((l: string) => console.log(`[auth] ${l}`))
  const db = createDatabaseLink(opts.databaseUrl, log)
  const pool = db.pool
  // The issuer and magic links name the URL, known once the server listens.
  let routes: Record<string, Handler> = {}
  // The gateway, ready with the routes (its minted tokens name the issuer).
  let admit: ReturnType<typeof createApiKeyGate> | null = null
  const mailbox = new Mailbox()
  const limiter = opts.rateLimits ? createRateLimiter(opts.rateLimits) : null

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    // Browsers may call it only from pages on this machine (the app in dev), never from any site.
    const origin = req.headers.origin
    // The dev mailbox holds sign-in links: no CORS at all for it.
    const cors: Record<string, string> =
      origin && isOwnOrigin(origin) && !url.pathname.includes("/_mailbox")
        ? {
            "access-control-allow-origin": origin,
            vary: "Origin",
            "access-control-allow-headers": "authorization, apikey, content-type, x-client-info, x-supabase-api-version",
          }
        : {}
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-supabase-api-version": "2024-01-01", ...cors, ...headers })
      res.end(body === null ? undefined : typeof body === "string" ? body : JSON.stringify(body))
    }
    if (req.method === "OPTIONS") return send(204, null, { "access-control-allow-methods": "GET, POST, PUT, DELETE" })
    const path = url.pathname.replace(/^\/auth\/v1/, "").replace(/\/+$/, "") || "/"
    const match = matchRoute(routes, req.method ?? "GET", path)
    try {
      // Public without a key on Supabase: email links and the JWKS (backends fetch it bare); here also /health
      // (the dev supervisor's probe) and the dev mailbox. Everything else passes the gateway's key check first.
      const open = path === "/verify" || path === "/health" || path === "/.well-known/jwks.json" || path.startsWith("/_mailbox")
      if (!open) await admit?.(req, url)
      if (!match) throw new AuthError(404, "not_found", `${req.method} ${path} is not emulated`)
      const group = limiter && opts.rateLimits ? limitGroup(req.method ?? "GET", path) : null
      if (group && limiter && opts.rateLimits && !limiter.take(group, clientAddress(req, opts.rateLimits)))
        throw new AuthError(429, "over_request_rate_limit", "Request rate limit reached")
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const text = Buffer.concat(chunks).toString("utf8")
      let body: Record<string, unknown> = {}
      if (text) {
        try {
          body = JSON.parse(text) as Record<string, unknown>
        } catch {
          throw new AuthError(400, "bad_json", "Could not parse request body as JSON")
        }
      }
      const [status, out, headers] = await match.handler(req, url, body, match.params)
      if (path === "/health") {
        // GoTrue's health body, plus the database link (503 while Postgres is away).
        const ping = await db.ping()
        return send(
          ping.ok ? status : 503,
          { ...(out as object), database: ping.ok ? "ok" : "unavailable", ...(ping.ok ? {} : { error: ping.error }) },
          headers,
        )
      }
      send(status, out, headers)
    } catch (err) {
      if (err instanceof GatewayError)
        return send(err.status, { message: err.message, ...(err.hint ? { hint: err.hint } : {}) }, { "sb-error-code": err.code })
      if (err instanceof AuthError)
        return send(err.status, { code: err.code, message: err.message, ...err.extra }, { "x-sb-error-code": err.code })
      // Postgres restarting or away: a retryable 503 in GoTrue's error shape (supabase-js keeps the
      // session on 502/503/504), never a crash; the pool reconnects on the next request.
      if (db.unavailable(err))
        return send(
          503,
          { code: "unexpected_failure", message: "Database unavailable, please retry shortly" },
          { "x-sb-error-code": "unexpected_failure", "retry-after": "1" },
        )
      log(`error on ${req.method} ${path}: ${(err as Error).stack}`)
      send(
        500,
        { code: "unexpected_failure", message: "Unexpected failure, please check server logs for more information" },
        {
          "x-sb-error-code": "unexpected_failure",
        },
      )
    }
  }
  const server = http.createServer((req, res) => void handle(req, res))

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 54321, host, () => resolve())
  })
  const port = (server.address() as { port: number }).port
  const url = `http://${host}:${port}`
  let smtp: SmtpSink | undefined
  try {
    smtp = opts.smtpPort === undefined ? undefined : await startSmtpSink({ mailbox, port: opts.smtpPort, host, log })
  } catch (err) {
    server.close()
    await pool.end()
    throw err
  }
  const publicUrl = opts.publicUrl ?? url
  const jwt = new Jwt(opts.jwtSecret ?? LOCAL_JWT_SECRET, `${publicUrl}/auth/v1`, opts.jwtTtlSeconds ?? 3600, opts.jwtKeys)
  admit = createApiKeyGate({ jwt, publishableKey, secretKeys })
  routes = createRoutes(createAuthService({ pool, jwt, kdf: opts.kdf ?? { N: 2 ** 15, r: 8, p: 1 } }), jwt, {
    publicUrl,
    siteUrl: opts.siteUrl ?? publicUrl,
    log,
    mailbox,
    autoconfirm: opts.mailerAutoconfirm ?? true,
    secureEmailChange: opts.secureEmailChange ?? true,
  })
  return {
    url,
    port,
    /** smtp://host:port of the SMTP listener, when `smtpPort` started one. */
    smtpUrl: smtp?.url ?? null,
    /** The publishable key the gateway admits (role anon). */
    publishableKey,
    /** The secret keys it admits (role service_role), the first being `secretKey`'s first. */
    secretKeys,
    stop: async () => {
      await smtp?.stop()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await pool.end()
    },
  }
}
