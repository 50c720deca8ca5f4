// GoTrue's behaviour on auth.users, auth.sessions and auth.refresh_tokens: users, sessions,
// access and refresh tokens, one-time codes. The HTTP layer is routes.ts and server.ts.
import { randomUUID } from "node:crypto"
import type http from "node:http"
import type pg from "pg"
import { hashPassword, newRefreshToken, type Jwt, type KdfCost } from "./tokens"

export type Row = Record<string, unknown> & { id: string; email: string }

/** A GoTrue error: `{ code, message }` with the status and `x-sb-error-code` GoTrue sends. */
export class AuthError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

const REFRESH_REUSE_INTERVAL_MS = 10_000 // GoTrue's security.refresh_token_reuse_interval
// GoTrue validates with github.com/badoux/checkmail's ValidateFormat, this pattern.
const EMAIL_RE =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/

export type AuthService = ReturnType<typeof createAuthService>

export function createAuthService({ pool, jwt, kdf }: { pool: pg.Pool; jwt: Jwt; kdf: KdfCost }) {
  const q = async <T extends object = Row>(text: string, values: unknown[] = []) =>
    (await pool.query<T & pg.QueryResultRow>(text, values)).rows

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
      // GoTrue omits these when empty (json:",omitempty").
      ...(u.email_change ? { new_email: u.email_change, email_change_sent_at: u.email_change_sent_at } : {}),
      ...(u.recovery_sent_at ? { recovery_sent_at: u.recovery_sent_at } : {}),
      ...(u.confirmation_sent_at ? { confirmation_sent_at: u.confirmation_sent_at } : {}),
      ...(u.invited_at ? { invited_at: u.invited_at } : {}),
      ...(u.banned_until ? { banned_until: u.banned_until } : {}),
    }
  }

  async function issueSession(u: Row, method: string, sessionId?: string, refreshToken?: string) {
    const now = Math.floor(Date.now() / 1000)
    if (!sessionId) {
      sessionId = randomUUID()
      await q("insert into auth.sessions (id, user_id, created_at, updated_at, aal) values ($1, $2, now(), now(), 'aal1')", [
        sessionId,
        u.id,
      ])
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
    const access = await jwt.sign(
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
      expires_in: jwt.ttl,
      expires_at: now + jwt.ttl,
      refresh_token: refreshToken,
      user: userJson(fresh ?? u),
    }
  }

  async function createUser(
    email: string,
    password: string | null,
    data: unknown,
    confirmed = true,
    extra: { id?: string; appMetadata?: unknown } = {},
  ) {
    const [u] = await q(
      `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
         raw_user_meta_data, created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change)
       values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3, case when $5 then now() end,
         '{"provider":"email","providers":["email"]}'::jsonb || $6::jsonb, $4, now(), now(), '', '', '', '')
       on conflict do nothing returning *`,
      [
        extra.id ?? randomUUID(),
        email,
        password ? await hashPassword(password, kdf) : null,
        JSON.stringify(data ?? {}),
        confirmed,
        JSON.stringify(extra.appMetadata ?? {}),
      ],
    )
    return u
  }

  /**
   * GoTrue's SetPassword + UpdatePassword: new hash, every pending email token void, and every session
   * but `keepSession` (the one that asked, if any) signed out.
   */
  async function setPassword(userId: string, password: string, keepSession: string | null) {
    const hash = await hashPassword(password, kdf)
    await q(
      `update auth.users set encrypted_password = $2, confirmation_token = '', recovery_token = '', email_change_token_new = '',
         email_change_token_current = '', recovery_sent_at = null, email_change_sent_at = null, updated_at = now() where id = $1`,
      [userId, hash],
    )
    await q("delete from auth.one_time_tokens where user_id = $1", [userId])
    await q("delete from auth.sessions where user_id = $1 and id is distinct from $2", [userId, keepSession])
  }

  const findUser = async (email: string) => (await q("select * from auth.users where lower(email) = $1 and deleted_at is null", [email]))[0]
  const normEmail = (v: unknown) => {
    const email = String(v ?? "")
      .trim()
      .toLowerCase()
    if (!email) throw new AuthError(400, "validation_failed", "An email address is required")
    if (email.length > 255) throw new AuthError(400, "validation_failed", "An email address is too long")
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
      claims = await jwt.verify(token)
    } catch (err) {
      const expired = (err as { code?: string }).code === "ERR_JWT_EXPIRED"
      throw new AuthError(
        403,
        "bad_jwt",
        `invalid JWT: unable to parse or verify signature, ${expired ? "token has invalid claims: token is expired" : "signature is invalid"}`,
      )
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
      if (child && Date.now() - rt.updated_at.getTime() < REFRESH_REUSE_INTERVAL_MS)
        return issueSession(u, "refresh", rt.session_id, child.token)
      throw new AuthError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
    }
    const next = newRefreshToken()
    const client = await pool.connect()
    try {
      await client.query("begin")
      const upd = await client.query(
        "update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1 and revoked = false",
        [rt.id],
      )
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

  return { q, issueSession, createUser, setPassword, findUser, normEmail, checkPassword, userFromBearer, refresh, userJson }
}
