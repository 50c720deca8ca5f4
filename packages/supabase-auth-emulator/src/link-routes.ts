// The admin's email links: `auth.admin.generateLink` (POST /admin/generate_link, GoTrue's adminGenerateLink in
// api/mail.go: the link and code of an email, returned instead of sent) and `auth.admin.inviteUserByEmail`
// (POST /invite, api/invite.go: the invite mailed to the dev mailbox). A service_role key is required.
import { randomBytes } from "node:crypto"
import { adminCheck } from "./admin-auth"
import { createEmailTokens, type TokenType, type VerifyType } from "./email-tokens"
import type { MailerConfig } from "./email-routes"
import type { Handler } from "./route-table"
import { AuthError, type AuthService, type Row } from "./service"
import { newOtp, sha224, type Jwt } from "./tokens"

const DUPLICATE_EMAIL = "A user with this email address has already been registered" // GoTrue's DuplicateEmailMsg
const LINK_TYPES = ["signup", "invite", "magiclink", "recovery", "email_change_current", "email_change_new"] as const
type LinkType = (typeof LINK_TYPES)[number]

export function createLinkRoutes(svc: AuthService, jwt: Jwt, cfg: MailerConfig): Record<string, Handler> {
  const { q, createUser, findUser, normEmail, checkPassword, userJson } = svc
  const requireAdmin = adminCheck(jwt)
  const tokens = createEmailTokens(q, cfg.publicUrl)
  const reload = async (id: string) => ((await q("select * from auth.users where id = $1", [id])) as [Row])[0]
  const isConfirmed = (u: Row) => Boolean(u.email_confirmed_at)
  const mergeMetadata = (id: string, data: unknown) =>
    q(
      "update auth.users set raw_user_meta_data = jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}') || $2::jsonb), updated_at = now() where id = $1",
      [id, JSON.stringify(data ?? {})],
    )

  return {
    "POST /admin/generate_link": async (req, url, body) => {
      await requireAdmin(req)
      const email = normEmail(body.email)
      // GoTrue reads `redirect_to` from the body, else the request's redirect_to (supabase-js sends it in the query).
      const redirectTo = (body.redirect_to ? String(body.redirect_to) : "") || url.searchParams.get("redirect_to") || cfg.siteUrl
      let type = String(body.type ?? "") as LinkType
      let password = body.password ? String(body.password) : ""
      let user = await findUser(email)
      if (!user) {
        if (type === "magiclink") {
          // A magic link for an unknown address signs it up, with a random password.
          type = "signup"
          password = randomBytes(48).toString("base64url")
        } else if (type === "recovery" || type === "email_change_current" || type === "email_change_new")
          throw new AuthError(404, "user_not_found", "User with this email not found")
      }
      if (!LINK_TYPES.includes(type))
        throw new AuthError(400, "validation_failed", `Invalid email action link type requested: ${String(body.type ?? "")}`)
      const otp = newOtp()
      const hashedToken = sha224(email + otp)
      const issue = async (u: Row, tokenType: TokenType, address: string, linkType: VerifyType) =>
        (await tokens.issue(u, tokenType, address, linkType, redirectTo, null, otp)).link
      let link: string
      if (type === "signup" || type === "invite") {
        if (user && isConfirmed(user)) throw new AuthError(422, "email_exists", DUPLICATE_EMAIL)
        if (user && type === "signup") await mergeMetadata(user.id, body.data)
        if (!user) {
          if (type === "signup" && !password) throw new AuthError(400, "validation_failed", "Signup requires a valid password")
          user = await createUser(email, type === "signup" ? checkPassword(password) : null, body.data, false)
          if (!user) throw new AuthError(422, "email_exists", DUPLICATE_EMAIL)
        }
        link = await issue(user, "confirmation_token", email, type)
        await q(
          `update auth.users set confirmation_token = $2, confirmation_sent_at = now(),
             invited_at = case when $3 then now() else invited_at end where id = $1`,
          [user.id, hashedToken, type === "invite"],
        )
      } else if (type === "magiclink" || type === "recovery") {
        const u = user as Row
        link = await issue(u, "recovery_token", email, type)
        await q("update auth.users set recovery_token = $2, recovery_sent_at = now() where id = $1", [u.id, hashedToken])
      } else {
        const u = user as Row
        if (!cfg.secureEmailChange && type === "email_change_current")
          throw new AuthError(400, "validation_failed", "Enable secure email change to generate link for current email")
        const newEmail = normEmail(body.new_email)
        const other = await findUser(newEmail)
        if (other && other.id !== u.id) throw new AuthError(422, "email_exists", DUPLICATE_EMAIL)
        // The current address's code is hashed with it, the new address's with the new one (the response's
        // hashed_token is always of `email`, as GoTrue's).
        const current = type === "email_change_current"
        link = await issue(u, current ? "email_change_token_current" : "email_change_token_new", current ? email : newEmail, "email_change")
        await q(
          `update auth.users set email_change = $2, email_change_sent_at = now(), email_change_confirm_status = 0,
             email_change_token_current = $3, email_change_token_new = $4 where id = $1`,
          [u.id, newEmail, current ? hashedToken : "", current ? "" : sha224(newEmail + otp)],
        )
      }
      const id = (user as Row).id
      cfg.log(`generated a ${type} link for ${email}: ${link}`)
      return [
        200,
        {
          ...userJson(await reload(id)),
          action_link: link,
          email_otp: otp,
          hashed_token: hashedToken,
          verification_type: type,
          redirect_to: redirectTo,
        },
      ]
    },
    "POST /invite": async (req, url, body) => {
      await requireAdmin(req)
      const email = normEmail(body.email)
      let user = await findUser(email)
      if (user && isConfirmed(user)) throw new AuthError(422, "email_exists", DUPLICATE_EMAIL)
      user ??= await createUser(email, null, body.data, false)
      if (!user) throw new AuthError(422, "email_exists", DUPLICATE_EMAIL)
      // GoTrue's sendInvite: a fresh confirmation token, mailed with the invite template.
      const redirectTo = url.searchParams.get("redirect_to") || cfg.siteUrl
      const { otp, hash, link } = await tokens.issue(user, "confirmation_token", email, "invite", redirectTo, null)
      await q("update auth.users set confirmation_token = $2, confirmation_sent_at = now(), invited_at = now() where id = $1", [
        user.id,
        hash,
      ])
      cfg.mailbox.send(email, "invite", link, otp, `You have been invited to create a user on ${cfg.siteUrl}.`)
      cfg.log(`invited ${email}: ${link}`)
      return [200, userJson(await reload(user.id))]
    },
  }
}
