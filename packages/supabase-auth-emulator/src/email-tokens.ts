// One-time email tokens (GoTrue's auth.one_time_tokens): issue a code + link, consume it by type,
// and PKCE flow state for links opened by an @supabase/ssr app.
import { randomUUID } from "node:crypto"
import type { Row } from "./service"
import { AuthError } from "./service"
import { newOtp, sha224 } from "./tokens"

type Query = <T extends object = Row>(text: string, values?: unknown[]) => Promise<T[]>

export type TokenType = "confirmation_token" | "recovery_token" | "email_change_token_new" | "email_change_token_current"
export type VerifyType = "signup" | "invite" | "magiclink" | "recovery" | "email_change" | "email"

// Which stored token a verify type may consume (GoTrue's verifyTokenHash).
const CONSUMES: Record<VerifyType, TokenType[]> = {
  signup: ["confirmation_token"],
  invite: ["confirmation_token"],
  email: ["confirmation_token", "recovery_token"],
  magiclink: ["recovery_token", "confirmation_token"],
  recovery: ["recovery_token"],
  email_change: ["email_change_token_new", "email_change_token_current"],
}
// GoTrue's flow_state.authentication_method for each link type.
export const AUTH_METHOD: Record<VerifyType, string> = {
  signup: "email/signup",
  invite: "invite",
  email: "email/signup",
  magiclink: "magiclink",
  recovery: "recovery",
  email_change: "email_change",
}

export const isVerifyType = (t: unknown): t is VerifyType => typeof t === "string" && t in CONSUMES

export function createEmailTokens(q: Query, publicUrl: string) {
  /** Stores a fresh code for `email` and returns it with the link GoTrue's default template shows. */
  async function issue(
    user: Row,
    type: TokenType,
    email: string,
    linkType: VerifyType,
    redirectTo: string,
    pkce: { challenge: string; method: string } | null,
    otp = newOtp(),
  ) {
    const hash = sha224(email + otp)
    await q("insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to) values ($1, $2, $3, $4, $5)", [
      randomUUID(),
      user.id,
      type,
      hash,
      email,
    ])
    const token = pkce ? `pkce_${hash}` : hash
    const link = `${publicUrl}/auth/v1/verify?token=${token}&type=${linkType}&redirect_to=${encodeRedirectURL(redirectTo)}`
    return { otp, hash, link }
  }

  async function startFlow(user: Row, type: VerifyType, pkce: { challenge: string; method: string } | null) {
    if (!pkce) return
    await q(
      "insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, authentication_method) values ($1, $2, $3, $4, $5, $6)",
      [randomUUID(), user.id, randomUUID(), pkce.method, pkce.challenge, AUTH_METHOD[type]],
    )
  }

  /** Deletes and returns the token `hash` if it is of a type `type` may consume and under an hour old. */
  async function consume(hash: string, type: VerifyType) {
    const [ott] = await q<{ id: string; user_id: string; token_type: TokenType; relates_to: string }>(
      "delete from auth.one_time_tokens where token_hash = $1 and token_type = any($2) and created_at > now() - interval '1 hour' returning *",
      [hash, CONSUMES[type]],
    )
    if (!ott) throw new AuthError(403, "otp_expired", "Email link is invalid or has expired")
    const [user] = await q("select * from auth.users where id = $1 and deleted_at is null", [ott.user_id])
    if (!user) throw new AuthError(403, "otp_expired", "Email link is invalid or has expired")
    return { user, ott }
  }

  /** The PKCE auth code for the user's latest flow of this type (GoTrue's issueAuthCode). */
  async function authCode(user: Row, type: VerifyType) {
    const [flow] = await q<{ auth_code: string }>(
      `update auth.flow_state set updated_at = now() where id = (
         select id from auth.flow_state where user_id = $1 and authentication_method = $2 order by created_at desc limit 1)
       returning auth_code`,
      [user.id, AUTH_METHOD[type]],
    )
    if (!flow)
      throw new AuthError(400, "flow_state_not_found", "No associated flow state found. invalid flow state, no valid flow state found")
    return flow.auth_code
  }

  return { issue, startFlow, consume, authCode }
}

/**
 * GoTrue's encodeRedirectURL (mailer/templatemailer): a redirect with `&`, `=` or `#` was not encoded by the
 * caller and is query-escaped (Go's url.QueryEscape); any other is taken as it is.
 */
export function encodeRedirectURL(url: string) {
  if (!/[&=#]/.test(url)) return url
  return encodeURIComponent(url)
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** `code_challenge` + method from a request body, validated as GoTrue's validatePKCEParams does. */
export function pkceParams(body: Record<string, unknown>) {
  const challenge = body.code_challenge ? String(body.code_challenge) : ""
  const method = body.code_challenge_method ? String(body.code_challenge_method).toLowerCase() : ""
  if (!challenge && !method) return null
  if (!challenge || !method) throw new AuthError(400, "validation_failed", "PKCE flow requires code_challenge_method and code_challenge")
  if (method !== "s256" && method !== "plain")
    throw new AuthError(400, "validation_failed", `code challenge method not supported: ${method}`)
  return { challenge, method }
}
