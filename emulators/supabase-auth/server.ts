// The Supabase Auth (GoTrue) HTTP API subset that supabase-js and @supabase/ssr call, on the app's
// own database: users live in auth.users, so the public.users trigger and foreign keys behave as on
// Supabase. Dev and test tool; the app never imports it.
import { randomUUID } from "node:crypto"
import http from "node:http"
import pg from "pg"
import { hashPassword, Jwt, newOtp, newRefreshToken, sha224, sha256url, verifyPassword, type KdfCost } from "./tokens"

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

type Row = Record<string, unknown> & { id: string; email: string }
class AuthError extends Error {
  constructor(public status: number, public code: string, message: string, public extra: Record<string, unknown> = {}) {
    super(message)
  }
}
const REFRESH_REUSE_INTERVAL_MS = 10_000 // GoTrue's security.refresh_token_reuse_interval
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export async function startAuthEmulator(opts: AuthEmulatorOptions) {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 5 })
  const host = opts.host ?? "127.0.0.1"
  const log = opts.log ?? ((l: string) => console.log(`[auth] ${l}`))
  const kdf = opts.kdf ?? { N: 2 ** 15, r: 8, p: 1 }
  let publicUrl = opts.publicUrl ?? ""
  // Signs with the issuer URL, known once the server listens.
  const keys = { jwt: undefined as unknown as Jwt }

  const q = async <T extends object = Row>(text: string, values: unknown[] = []) => (await pool.query<T & pg.QueryResultRow>(text, values)).rows

  function userJson(u: Row) {
    return {
      id: u.id,
      aud: "authenticated",
      role: "authenticated",
      email: u.email,
      email_confirmed_at: u.email_confirmed_at,
      phone: "",
      confirmed_at: u.confirmed_at,
      last_sign_in_at: u.last_sign_in_at,
      app_metadata: u.raw_app_meta_data ?? {},
      user_metadata: u.raw_user_meta_data ?? {},
      identities: [
        {
          identity_id: u.id,
          id: u.id,
          user_id: u.id,
          identity_data: { email: u.email, email_verified: true, phone_verified: false, sub: u.id },
          provider: "email",
          created_at: u.created_at,
          updated_at: u.updated_at,
          email: u.email,
        },
      ],
      created_at: u.created_at,
      updated_at: u.updated_at,
      is_anonymous: false,
    }
  }

  async function issueSession(u: Row, method: string, sessionId?: string, refreshToken?: string) {
    const now = Math.floor(Date.now() / 1000)
    if (!sessionId) {
      sessionId = randomUUID()
      await q("insert into auth.sessions (id, user_id, created_at, updated_at, aal) values ($1, $2, now(), now(), 'aal1')", [sessionId, u.id])
    }
    if (!refreshToken) {
      refreshToken = newRefreshToken()
      await q(
        "insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, session_id) values ($1, $2, false, now(), now(), $3)",
        [refreshToken, u.id, sessionId],
      )
    }
    const [fresh] = await q("update auth.users set last_sign_in_at = coalesce($2, last_sign_in_at) where id = $1 returning *", [
      u.id,
      method === "refresh" ? null : new Date(),
    ])
    const access = await keys.jwt.sign(
      {
        sub: u.id,
        email: u.email,
        session_id: sessionId,
        role: "authenticated",
        aal: "aal1",
        amr: [{ method: method === "refresh" ? "password" : method, timestamp: now }],
        app_metadata: (u.raw_app_meta_data as Record<string, unknown>) ?? {},
        user_metadata: (u.raw_user_meta_data as Record<string, unknown>) ?? {},
      },
      now,
    )
    return {
      access_token: access,
      token_type: "bearer",
      expires_in: keys.jwt.ttl,
      expires_at: now + keys.jwt.ttl,
      refresh_token: refreshToken,
      user: userJson(fresh ?? u),
    }
  }

  async function createUser(email: string, password: string | null, data: unknown) {
    const [u] = await q(
      `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
         raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
       values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3, now(),
         '{"provider":"email","providers":["email"]}', $4, now(), now(), '', '', '', '')
       on conflict do nothing returning *`,
      [randomUUID(), email, password ? await hashPassword(password, kdf) : null, JSON.stringify(data ?? {})],
    )
    return u
  }

  const findUser = async (email: string) => (await q("select * from auth.users where lower(email) = $1 and deleted_at is null", [email]))[0]
  const normEmail = (v: unknown) => {
    const email = String(v ?? "").trim().toLowerCase()
    if (!EMAIL_RE.test(email)) throw new AuthError(400, "validation_failed", "Unable to validate email address: invalid format")
    return email
  }
  function checkPassword(v: unknown) {
    const pw = String(v ?? "")
    if (pw.length < 6)
      throw new AuthError(422, "weak_password", "Password should be at least 6 characters.", { weak_password: { reasons: ["length"] } })
    return pw
  }

  async function userFromBearer(req: http.IncomingMessage) {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1]
    if (!token) throw new AuthError(401, "no_authorization", "This endpoint requires a Bearer token")
    let claims
    try {
      claims = await keys.jwt.verify(token)
    } catch (err) {
      const expired = (err as { code?: string }).code === "ERR_JWT_EXPIRED"
      throw new AuthError(403, "bad_jwt", `invalid JWT: unable to parse or verify signature, ${expired ? "token has invalid claims: token is expired" : "signature is invalid"}`)
    }
    const [session] = await q("select id from auth.sessions where id = $1", [claims.session_id])
    if (!session) throw new AuthError(403, "session_not_found", "Session from session_id claim in JWT does not exist")
    const [u] = await q("select * from auth.users where id = $1", [claims.sub])
    if (!u) throw new AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
    return { user: u, claims }
  }

  async function refresh(token: string) {
    const [rt] = await q<{ id: string; user_id: string; revoked: boolean; session_id: string; updated_at: Date }>(
      "select * from auth.refresh_tokens where token = $1",
      [token],
    )
    if (!rt) throw new AuthError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
    const [u] = await q("select * from auth.users where id = $1", [rt.user_id])
    if (!u) throw new AuthError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
    if (rt.revoked) {
      // Concurrent refreshes of one token (two tabs, proxy and page) get the token that replaced it.
      const [child] = await q<{ token: string }>(
        "select token from auth.refresh_tokens where parent = $1 and revoked = false and session_id = $2",
        [token, rt.session_id],
      )
      if (child && Date.now() - rt.updated_at.getTime() < REFRESH_REUSE_INTERVAL_MS) return issueSession(u, "refresh", rt.session_id, child.token)
      throw new AuthError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
    }
    const next = newRefreshToken()
    const client = await pool.connect()
    try {
      await client.query("begin")
      const upd = await client.query("update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1 and revoked = false", [rt.id])
      if (upd.rowCount === 0) {
        await client.query("rollback")
        return refresh(token) // lost a race: take the reuse path above
      }
      await client.query(
        "insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, parent, session_id) values ($1, $2, false, now(), now(), $3, $4)",
        [next, u.id, token, rt.session_id],
      )
      await client.query("update auth.sessions set refreshed_at = now(), updated_at = now() where id = $1", [rt.session_id])
      await client.query("commit")
    } catch (err) {
      await client.query("rollback").catch(() => {})
      throw err
    } finally {
      client.release()
    }
    return issueSession(u, "refresh", rt.session_id, next)
  }

  async function sessionFromOtp(body: Record<string, unknown>) {
    const tokenHash = body.token_hash ? String(body.token_hash) : body.email && body.token ? sha224(normEmail(body.email) + String(body.token)) : ""
    const [ott] = await q<{ id: string; user_id: string; created_at: Date }>(
      "delete from auth.one_time_tokens where token_hash = $1 and created_at > now() - interval '1 hour' returning *",
      [tokenHash],
    )
    if (!ott) throw new AuthError(403, "otp_expired", "Email link is invalid or has expired")
    const [u] = await q("select * from auth.users where id = $1", [ott.user_id])
    return u!
  }

  type Handler = (req: http.IncomingMessage, url: URL, body: Record<string, unknown>) => Promise<[number, unknown] | [number, unknown, Record<string, string>]>
  const routes: Record<string, Handler> = {
    "GET /health": async () => [200, { version: "subkit-auth-emulator", name: "GoTrue", description: "GoTrue-compatible emulator" }],
    "GET /settings": async () => [
      200,
      { external: { email: true, phone: false }, disable_signup: false, mailer_autoconfirm: true, phone_autoconfirm: false, sms_provider: "" },
    ],
    "GET /.well-known/jwks.json": async () => [200, { keys: [] }], // HS256 secret: nothing public to publish, as on Supabase
    "POST /signup": async (_req, _url, body) => {
      const email = normEmail(body.email)
      const password = checkPassword(body.password)
      if (await findUser(email)) throw new AuthError(422, "user_already_exists", "User already registered")
      const u = await createUser(email, password, body.data)
      if (!u) throw new AuthError(422, "user_already_exists", "User already registered")
      log(`signed up ${email}`)
      return [200, await issueSession(u, "password")]
    },
    "POST /token": async (_req, url, body) => {
      const grant = url.searchParams.get("grant_type")
      if (grant === "password") {
        const email = normEmail(body.email)
        const u = await findUser(email)
        if (!u || !(await verifyPassword(String(body.password ?? ""), (u.encrypted_password as string) ?? null)))
          throw new AuthError(400, "invalid_credentials", "Invalid login credentials")
        return [200, await issueSession(u, "password")]
      }
      if (grant === "refresh_token") return [200, await refresh(String(body.refresh_token ?? ""))]
      if (grant === "pkce") {
        const [flow] = await q<{ id: string; user_id: string; code_challenge: string; code_challenge_method: string }>(
          "delete from auth.flow_state where auth_code = $1 and created_at > now() - interval '5 minutes' returning *",
          [String(body.auth_code ?? "")],
        )
        if (!flow) throw new AuthError(404, "flow_state_not_found", "invalid flow state, no valid flow state found")
        const verifier = String(body.code_verifier ?? "")
        const expected = flow.code_challenge_method === "plain" ? verifier : sha256url(verifier)
        if (expected !== flow.code_challenge) throw new AuthError(403, "bad_code_verifier", "code challenge does not match previously saved code verifier")
        const [u] = await q("select * from auth.users where id = $1", [flow.user_id])
        return [200, await issueSession(u!, "otp")]
      }
      throw new AuthError(400, "validation_failed", "unsupported_grant_type")
    },
    "GET /user": async (req) => [200, userJson((await userFromBearer(req)).user)],
    "POST /logout": async (req, url) => {
      const { claims } = await userFromBearer(req)
      const scope = url.searchParams.get("scope") ?? "global"
      if (scope === "local") await q("delete from auth.sessions where id = $1", [claims.session_id])
      else if (scope === "others") await q("delete from auth.sessions where user_id = $1 and id <> $2", [claims.sub, claims.session_id])
      else await q("delete from auth.sessions where user_id = $1", [claims.sub])
      return [204, null]
    },
    "POST /otp": async (_req, url, body) => {
      const email = normEmail(body.email)
      let u = await findUser(email)
      if (!u && body.create_user !== false) u = await createUser(email, null, body.data)
      if (!u) throw new AuthError(422, "otp_disabled", "Signups not allowed for otp")
      const otp = newOtp()
      const tokenHash = sha224(email + otp)
      await q("insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to) values ($1, $2, 'confirmation_token', $3, $4)", [
        randomUUID(),
        u.id,
        tokenHash,
        email,
      ])
      const redirectTo = url.searchParams.get("redirect_to") ?? ""
      let link = `${publicUrl}/auth/v1/verify?token=${tokenHash}&type=magiclink&redirect_to=${encodeURIComponent(redirectTo)}`
      if (body.code_challenge) {
        const flowId = randomUUID()
        await q(
          "insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, authentication_method) values ($1, $2, $3, $4, $5, 'magiclink')",
          [flowId, u.id, randomUUID(), String(body.code_challenge_method ?? "s256").toLowerCase(), String(body.code_challenge)],
        )
        link = `${publicUrl}/auth/v1/verify?token=pkce_${tokenHash}&type=magiclink&redirect_to=${encodeURIComponent(redirectTo)}`
      }
      log(`magic link for ${email} (code ${otp}): ${link}`)
      return [200, {}]
    },
    "POST /verify": async (_req, _url, body) => [200, await issueSession(await sessionFromOtp(body), "otp")],
    "GET /verify": async (_req, url) => {
      const raw = url.searchParams.get("token") ?? ""
      const pkce = raw.startsWith("pkce_")
      const redirectTo = url.searchParams.get("redirect_to") || publicUrl
      const target = new URL(redirectTo)
      try {
        const u = await sessionFromOtp({ token_hash: pkce ? raw.slice(5) : raw })
        if (pkce) {
          const [flow] = await q<{ auth_code: string }>(
            "select auth_code from auth.flow_state where user_id = $1 order by created_at desc limit 1",
            [u.id],
          )
          if (!flow) throw new AuthError(404, "flow_state_not_found", "invalid flow state, no valid flow state found")
          target.searchParams.set("code", flow.auth_code)
        } else {
          const s = await issueSession(u, "otp")
          target.hash = new URLSearchParams({
            access_token: s.access_token,
            expires_at: String(s.expires_at),
            expires_in: String(s.expires_in),
            refresh_token: s.refresh_token,
            token_type: "bearer",
            type: "magiclink",
          }).toString()
        }
      } catch (err) {
        if (!(err instanceof AuthError)) throw err
        target.hash = new URLSearchParams({ error: "access_denied", error_code: err.code, error_description: err.message }).toString()
      }
      return [303, null, { location: target.toString() }]
    },
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        "content-type": "application/json",
        "x-supabase-api-version": "2024-01-01",
        "access-control-allow-origin": "*",
        "access-control-allow-headers": "authorization, apikey, content-type, x-client-info, x-supabase-api-version",
        ...headers,
      })
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
  publicUrl ||= url
  keys.jwt = new Jwt(opts.jwtSecret ?? LOCAL_JWT_SECRET, `${publicUrl}/auth/v1`, opts.jwtTtlSeconds ?? 3600)
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
