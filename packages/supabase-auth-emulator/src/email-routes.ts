// The email-link endpoints: magic link (/otp), password recovery (/recover), account changes
// (PUT /user) and the link they all end at (/verify), after GoTrue's api/{otp,recover,user,verify}.go.
import type { Handler } from "./route-table"
import { AuthError, type AuthService, type Row } from "./service"
import { createEmailTokens, isVerifyType, pkceParams, type VerifyType } from "./email-tokens"
import type { Mailbox } from "./mailbox"
import { sha224, verifyPassword } from "./tokens"

export type MailerConfig = {
  publicUrl: string
  /** GOTRUE_SITE_URL: where a link goes when it names no redirect_to. */
  siteUrl: string
  log: (line: string) => void
  mailbox: Mailbox
  /** GOTRUE_MAILER_AUTOCONFIRM (the CLI's `enable_confirmations = false`): signups need no email. */
  autoconfirm: boolean
  /** GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED (the CLI's `double_confirm_changes`): mail both addresses. */
  secureEmailChange: boolean
}

// GoTrue's singleConfirmationAccepted message.
const SINGLE_CONFIRMATION = "Confirmation link accepted. Please proceed to confirm link sent to the other email"

export function createEmailRoutes(svc: AuthService, cfg: MailerConfig): Record<string, Handler> {
  const { q, issueSession, createUser, findUser, normEmail, checkPassword, userFromBearer, userJson } = svc
  const tokens = createEmailTokens(q, cfg.publicUrl)
  const redirectOf = (url: URL) => url.searchParams.get("redirect_to") || cfg.siteUrl

  /** Applies a consumed token to the user: null when a second email-change link is still needed. */
  async function apply(type: VerifyType, user: Row, tokenType: string): Promise<Row | null> {
    if (type === "email_change") {
      if (!cfg.autoconfirm && cfg.secureEmailChange && Number(user.email_change_confirm_status) === 0 && user.email) {
        await q("update auth.users set email_change_confirm_status = 1, updated_at = now() where id = $1", [user.id])
        return null
      }
      await q("delete from auth.one_time_tokens where user_id = $1 and token_type like 'email_change_token_%'", [user.id])
      const [u] = await q(
        `update auth.users set email = email_change, email_change = '', email_change_token_new = '', email_change_token_current = '',
           email_change_confirm_status = 0, email_change_sent_at = null, email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
         where id = $1 returning *`,
        [user.id],
      )
      cfg.log(`email changed for ${user.id} via ${tokenType}`)
      return u ?? user
    }
    // signup, invite, magic link, recovery: the address is proven (GoTrue's signupVerify/recoverVerify).
    const [u] = await q(
      "update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), recovery_token = '', confirmation_token = '', updated_at = now() where id = $1 returning *",
      [user.id],
    )
    return u ?? user
  }

  return {
    "POST /otp": async (_req, url, body) => {
      const email = normEmail(body.email)
      let u = await findUser(email)
      if (!u && body.create_user !== false) u = await createUser(email, null, body.data, cfg.autoconfirm)
      if (!u) throw new AuthError(422, "otp_disabled", "Signups not allowed for otp")
      const pkce = pkceParams(body)
      await tokens.startFlow(u, "magiclink", pkce)
      const { otp, link } = await tokens.issue(u, "confirmation_token", email, "magiclink", redirectOf(url), pkce)
      cfg.mailbox.send(email, "magic_link", link, otp)
      cfg.log(`magic link for ${email} (code ${otp}): ${link}`)
      return [200, {}]
    },
    "POST /recover": async (_req, url, body) => {
      if (!body.email) throw new AuthError(400, "validation_failed", "Password recovery requires an email")
      const email = normEmail(body.email)
      const pkce = pkceParams(body)
      const u = await findUser(email)
      if (!u) return [200, {}] // GoTrue answers the same for unknown addresses: no account enumeration
      await tokens.startFlow(u, "recovery", pkce)
      const { otp, link } = await tokens.issue(u, "recovery_token", email, "recovery", redirectOf(url), pkce)
      await q("update auth.users set recovery_sent_at = now() where id = $1", [u.id])
      cfg.mailbox.send(email, "recovery", link, otp)
      cfg.log(`password recovery for ${email}: ${link}`)
      return [200, {}]
    },
    "PUT /user": async (req, url, body) => {
      const { user, claims } = await userFromBearer(req)
      const newEmail = body.email ? normEmail(body.email) : ""
      const password = body.password === undefined || body.password === null ? null : checkPassword(body.password)
      if (body.app_metadata !== undefined) throw new AuthError(403, "not_admin", "Updating app_metadata requires admin privileges")
      const changingEmail = newEmail !== "" && newEmail !== user.email
      if (changingEmail && (await findUser(newEmail)))
        throw new AuthError(422, "email_exists", "A user with this email address has already been registered")
      if (password !== null) {
        if (await verifyPassword(password, (user.encrypted_password as string) ?? null))
          throw new AuthError(422, "same_password", "New password should be different from the old password.")
        await svc.setPassword(user.id, password, claims.session_id)
      }
      if (body.data && typeof body.data === "object") {
        // GoTrue's UpdateUserMetaData: merge, a null value removes the key.
        await q(
          "update auth.users set raw_user_meta_data = jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}') || $2::jsonb), updated_at = now() where id = $1",
          [user.id, JSON.stringify(body.data)],
        )
      }
      if (changingEmail) {
        const pkce = pkceParams(body)
        await tokens.startFlow(user, "email_change", pkce)
        await q("delete from auth.one_time_tokens where user_id = $1 and token_type like 'email_change_token_%'", [user.id])
        const target = redirectOf(url)
        const fresh = await tokens.issue(user, "email_change_token_new", newEmail, "email_change", target, pkce)
        cfg.mailbox.send(
          newEmail,
          "email_change",
          fresh.link,
          fresh.otp,
          `Follow this link to confirm the update of your email from ${user.email} to ${newEmail}.`,
        )
        let current = ""
        if (cfg.secureEmailChange && user.email) {
          const cur = await tokens.issue(user, "email_change_token_current", user.email, "email_change", target, pkce)
          current = cur.hash
          cfg.mailbox.send(
            user.email,
            "email_change",
            cur.link,
            cur.otp,
            `Follow this link to confirm the update of your email from ${user.email} to ${newEmail}.`,
          )
        }
        await q(
          `update auth.users set email_change = $2, email_change_token_new = $3, email_change_token_current = $4, email_change_confirm_status = 0,
             email_change_sent_at = now(), updated_at = now() where id = $1`,
          [user.id, newEmail, fresh.hash, current],
        )
        cfg.log(`email change for ${user.email} → ${newEmail}: ${fresh.link}`)
      }
      const [u] = await q("select * from auth.users where id = $1", [user.id])
      return [200, userJson(u ?? user)]
    },
    "POST /verify": async (_req, _url, body) => {
      const type = body.type
      if (!isVerifyType(type)) throw new AuthError(400, "validation_failed", "Unsupported verification type")
      if (!body.token && !body.token_hash) throw new AuthError(400, "validation_failed", "Verify requires either a token or a token hash")
      const hash = body.token_hash ? String(body.token_hash) : sha224(normEmail(body.email) + String(body.token))
      const { user, ott } = await tokens.consume(hash, type)
      const applied = await apply(type, user, ott.token_type)
      if (!applied) return [200, { msg: SINGLE_CONFIRMATION, code: "200" }]
      return [200, await issueSession(applied, "otp")]
    },
    "GET /verify": async (_req, url) => {
      const raw = url.searchParams.get("token") ?? ""
      const type = url.searchParams.get("type")
      const pkce = raw.startsWith("pkce_")
      const target = new URL(redirectOf(url))
      try {
        if (!isVerifyType(type)) throw new AuthError(400, "validation_failed", "Unsupported verification type")
        const { user, ott } = await tokens.consume(pkce ? raw.slice(5) : raw, type)
        const applied = await apply(type, user, ott.token_type)
        if (!applied) {
          if (pkce) target.searchParams.set("message", SINGLE_CONFIRMATION)
          target.hash = new URLSearchParams({ message: SINGLE_CONFIRMATION, sb: "" }).toString()
        } else if (pkce) {
          target.searchParams.set("code", await tokens.authCode(applied, type))
        } else {
          const s = await issueSession(applied, "otp")
          target.hash = new URLSearchParams({
            access_token: s.access_token,
            expires_at: String(s.expires_at),
            expires_in: String(s.expires_in),
            refresh_token: s.refresh_token,
            token_type: "bearer",
            type,
          }).toString()
        }
      } catch (err) {
        if (!(err instanceof AuthError)) throw err
        // GoTrue's prepErrorRedirectURL: the error in the fragment, and in the query for PKCE.
        const params = { error: err.status >= 500 ? "server_error" : "access_denied", error_code: err.code, error_description: err.message }
        if (pkce) for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v)
        target.hash = new URLSearchParams({ ...params, sb: "" }).toString()
      }
      return [303, null, { location: target.toString() }]
    },
  }
}
