// The GoTrue endpoints, as a route table over the auth service.
import { createAdminRoutes } from "./admin-routes"
import { createEmailRoutes, type MailerConfig } from "./email-routes"
import { createEmailTokens, pkceParams } from "./email-tokens"
import { createLinkRoutes } from "./link-routes"
import type { Handler } from "./route-table"
import { AuthError, type AuthService } from "./service"
import { sha256url, verifyPassword, type Jwt } from "./tokens"

export function createRoutes(svc: AuthService, jwt: Jwt, cfg: MailerConfig): Record<string, Handler> {
  const { q, issueSession, createUser, findUser, normEmail, checkPassword, userFromBearer, refresh, userJson } = svc
  const { log, mailbox } = cfg
  const tokens = createEmailTokens(q, cfg.publicUrl)
  return {
    "GET /health": async () => [200, { version: "subkit-auth-emulator", name: "GoTrue", description: "GoTrue-compatible emulator" }],
    "GET /settings": async () => [
      200,
      {
        external: { email: true, phone: false },
        disable_signup: false,
        mailer_autoconfirm: cfg.autoconfirm,
        phone_autoconfirm: false,
        sms_provider: "",
      },
    ],
    // The public halves of the asymmetric keys (GoTrue's WellKnownJwks: no oct key); getClaims() caches them
    // and verifies tokens locally.
    "GET /.well-known/jwks.json": async () => [200, { keys: jwt.publicJwks }, { "cache-control": "public, max-age=600" }],
    // The dev inbox (see mailbox.ts): newest first, ?to= filters by recipient.
    "GET /_mailbox": async (_req, url) => [200, mailbox.html(url.searchParams.get("to")), { "content-type": "text/html; charset=utf-8" }],
    "GET /_mailbox/messages": async (_req, url) => [200, { messages: mailbox.list(url.searchParams.get("to")) }],
    "DELETE /_mailbox/messages": async () => {
      mailbox.clear()
      return [204, null]
    },
    "POST /signup": async (_req, url, body) => {
      const email = normEmail(body.email)
      const password = checkPassword(body.password)
      if (await findUser(email)) throw new AuthError(422, "user_already_exists", "User already registered")
      const u = await createUser(email, password, body.data, cfg.autoconfirm)
      if (!u) throw new AuthError(422, "user_already_exists", "User already registered")
      log(`signed up ${email}`)
      if (cfg.autoconfirm) return [200, await issueSession(u, "password")]
      // Confirm email on: the user and no session until the link in the mailbox is followed.
      const pkce = pkceParams(body)
      await tokens.startFlow(u, "signup", pkce)
      const { otp, link } = await tokens.issue(
        u,
        "confirmation_token",
        email,
        "signup",
        url.searchParams.get("redirect_to") || cfg.siteUrl,
        pkce,
      )
      await q("update auth.users set confirmation_sent_at = now() where id = $1", [u.id])
      mailbox.send(email, "confirmation", link, otp)
      return [200, userJson({ ...u, confirmation_sent_at: new Date() })]
    },
    "POST /token": async (_req, url, body) => {
      const grant = url.searchParams.get("grant_type")
      if (grant === "password") {
        const email = normEmail(body.email)
        const u = await findUser(email)
        if (!u || !(await verifyPassword(String(body.password ?? ""), (u.encrypted_password as string) ?? null)))
          throw new AuthError(400, "invalid_credentials", "Invalid login credentials")
        if (!u.email_confirmed_at) throw new AuthError(400, "email_not_confirmed", "Email not confirmed")
        if (u.banned_until && (u.banned_until as Date) > new Date()) throw new AuthError(400, "user_banned", "User is banned")
        return [200, await issueSession(u, "password")]
      }
      if (grant === "refresh_token") return [200, await refresh(String(body.refresh_token ?? ""))]
      if (grant === "pkce") {
        const [flow] = await q<{ id: string; user_id: string; code_challenge: string; code_challenge_method: string }>(
          "delete from auth.flow_state where auth_code = $1 and greatest(created_at, updated_at) > now() - interval '5 minutes' returning *",
          [String(body.auth_code ?? "")],
        )
        if (!flow) throw new AuthError(404, "flow_state_not_found", "invalid flow state, no valid flow state found")
        const verifier = String(body.code_verifier ?? "")
        const expected = flow.code_challenge_method === "plain" ? verifier : sha256url(verifier)
        if (expected !== flow.code_challenge)
          throw new AuthError(403, "bad_code_verifier", "code challenge does not match previously saved code verifier")
        const [u] = await q("select * from auth.users where id = $1", [flow.user_id])
        if (!u) throw new AuthError(404, "user_not_found", "User not found")
        return [200, await issueSession(u, "otp")]
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
    ...createEmailRoutes(svc, cfg),
    ...createAdminRoutes(svc, jwt),
    ...createLinkRoutes(svc, jwt, cfg),
  }
}
