// The app's own limits on sign-in, sign-up, password-reset and email-change attempts (issue 23, item 4),
// per address and per client IP, counted in Postgres (public.rate_limits) so every instance shares
// them. Auth's own limits count per IP too, and behind this server they would see one IP for
// everyone: one script could lock every user out, or spend the project's Auth email quota (sign-up and reset mails).
import "server-only"
import { headers } from "next/headers"
import { env } from "@/lib/env"
import { clientIpOf } from "./client-ip"
import { hit } from "@/lib/rate-limit"
import { fail, type ActionResult } from "@/lib/result"

export type AuthAction = "sign_in" | "sign_up" | "password_reset" | "email_change"

/** Attempts per window; emails are the scarce resource (Supabase's quota is per project), so those are tighter. */
export const AUTH_LIMITS: Record<AuthAction, { perAddress: number; perIp: number; windowSeconds: number }> = {
  sign_in: { perAddress: 10, perIp: 30, windowSeconds: 300 },
  sign_up: { perAddress: 3, perIp: 10, windowSeconds: 3600 },
  password_reset: { perAddress: 3, perIp: 10, windowSeconds: 3600 },
  email_change: { perAddress: 3, perIp: 10, windowSeconds: 3600 },
}

/** The client's IP as the platform's proxy reports it (Vercel sets X-Forwarded-For; its first entry is the client). */
export async function clientIp(): Promise<string> {
  return clientIpOf(await headers()) ?? "unknown"
}

/** Counts one attempt; a refusal when the address or this IP is past its limit. */
export async function limitAuthAttempt(action: AuthAction, address: string): Promise<Extract<ActionResult, { ok: false }> | null> {
  const limit = AUTH_LIMITS[action]
  const ip = await clientIp()
  const [byAddress, byIp] = await Promise.all([
    hit({ name: `auth:${action}:address`, max: limit.perAddress, windowSeconds: limit.windowSeconds }, address.toLowerCase()),
    hit({ name: `auth:${action}:ip`, max: limit.perIp * env.authIpLimitScale, windowSeconds: limit.windowSeconds }, ip),
  ])
  const refused = !byAddress.ok ? byAddress : !byIp.ok ? byIp : null
  if (!refused) return null
  const minutes = Math.max(1, Math.ceil(refused.retryAfter / 60))
  return fail("rate_limited", `Too many attempts. Please try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`)
}

/** The client's IP, or null outside a request (the CLI, the drain, a test calling an action directly). */
export async function requestIp(): Promise<string | null> {
  try {
    return await clientIp()
  } catch {
    return null
  }
}

/**
 * Signed-in actions that cost Stripe calls (Checkout, the success page's session look-up, seat confirm)
 * are limited per user; accounts are free to make, so one IP also has one budget across all of them
 * (scaled by AUTH_IP_LIMIT_SCALE like the auth limits: a school or office shares an IP).
 */
export const STRIPE_SPEND_PER_IP = { name: "stripe-spend:ip", max: 60, windowSeconds: 60 }

export async function limitStripeSpendByIp(): Promise<{ retryAfter: number } | null> {
  // No forwarded address (not behind the platform's proxy): one shared bucket would lock everyone out together.
  const ip = await requestIp()
  if (!ip || ip === "unknown") return null
  const counted = await hit({ ...STRIPE_SPEND_PER_IP, max: STRIPE_SPEND_PER_IP.max * env.authIpLimitScale }, ip)
  return counted.ok ? null : { retryAfter: counted.retryAfter }
}
