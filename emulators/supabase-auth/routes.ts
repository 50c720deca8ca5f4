// The GoTrue endpoints, as a route table over the auth service.
import { randomUUID } from "node:crypto"
import type http from "node:http"
import { AuthError, type AuthService } from "./service"
import { newOtp, sha224, sha256url, verifyPassword } from "./tokens"

export type Handler = (req: http.IncomingMessage, url: URL, body: Record<string, unknown>) => Promise<[number, unknown] | [number, unknown, Record<string, string>]>

export function createRoutes(svc: AuthService, publicUrl: string, log: (line: string) => void): Record<string, Handler> {
  const { q, issueSession, createUser, findUser, normEmail, checkPassword, userFromBearer, refresh, sessionFromOtp, userJson } = svc
  return {
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
}
