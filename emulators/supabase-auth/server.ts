// The Supabase Auth (GoTrue) HTTP API subset that supabase-js and @supabase/ssr call, on the app's
// own database: users live in auth.users, so the public.users trigger and foreign keys behave as on
// Supabase. Dev and test tool; the app never imports it.
import http from "node:http"
import pg from "pg"
import { isOwnOrigin } from "../local-only"
import { createRoutes, type Handler } from "./routes"
import { AuthError, createAuthService } from "./service"
import { Jwt, type KdfCost } from "./tokens"

export const LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"

export type AuthEmulatorOptions = {
  databaseUrl: string
  port?: number
  host?: string
  jwtSecret?: string
  /** Access token lifetime (GoTrue's default is 3600 s). */
  jwtTtlSeconds?: number
  kdf?: KdfCost
  /** Where the magic links point (defaults to the listening address). */
  publicUrl?: string
  log?: (line: string) => void
}

export async function startAuthEmulator(opts: AuthEmulatorOptions) {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 5 })
  const host = opts.host ?? "127.0.0.1"
  const log = opts.log ?? ((l: string) => console.log(`[auth] ${l}`))
  // The issuer and magic links name the URL, known once the server listens.
  let routes: Record<string, Handler> = {}

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    // Browsers may call it only from pages on this machine (the app in dev), never from any site.
    const origin = req.headers.origin
    const cors: Record<string, string> = origin && isOwnOrigin(origin)
      ? { "access-control-allow-origin": origin, vary: "Origin", "access-control-allow-headers": "authorization, apikey, content-type, x-client-info, x-supabase-api-version" }
      : {}
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-supabase-api-version": "2024-01-01", ...cors, ...headers })
      res.end(body === null ? undefined : JSON.stringify(body))
    }
    if (req.method === "OPTIONS") return send(204, null, { "access-control-allow-methods": "GET, POST, PUT, DELETE" })
    const path = url.pathname.replace(/^\/auth\/v1/, "").replace(/\/+$/, "") || "/"
    const handler = routes[`${req.method} ${path}`]
    try {
      if (!handler) throw new AuthError(404, "not_found", `${req.method} ${path} is not emulated`)
      if (path !== "/verify" && path !== "/health" && !req.headers.apikey && !req.headers.authorization)
        throw new AuthError(401, "no_api_key", "No API key found in request")
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
      const [status, out, headers] = await handler(req, url, body)
      send(status, out, headers)
    } catch (err) {
      if (err instanceof AuthError) return send(err.status, { code: err.code, message: err.message, ...err.extra }, { "x-sb-error-code": err.code })
      log(`error on ${req.method} ${path}: ${(err as Error).stack}`)
      send(500, { code: "unexpected_failure", message: "Unexpected failure, please check server logs for more information" }, {
        "x-sb-error-code": "unexpected_failure",
      })
    }
  }
  const server = http.createServer((req, res) => void handle(req, res))

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 54321, host, () => resolve())
  })
  const port = (server.address() as { port: number }).port
  const url = `http://${host}:${port}`
  const publicUrl = opts.publicUrl ?? url
  const jwt = new Jwt(opts.jwtSecret ?? LOCAL_JWT_SECRET, `${publicUrl}/auth/v1`, opts.jwtTtlSeconds ?? 3600)
  routes = createRoutes(createAuthService({ pool, jwt, kdf: opts.kdf ?? { N: 2 ** 15, r: 8, p: 1 } }), publicUrl, log)
  return {
    url,
    port,
    stop: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await pool.end()
    },
  }
}
