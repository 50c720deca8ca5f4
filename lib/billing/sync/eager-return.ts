// Eager syncs for the pages users land on after Stripe: the result says whether what we show is fresh.
import "server-only"
import { limitStripeSpendByIp } from "@/lib/auth/auth-limits"
import type { CurrentUser } from "@/lib/auth/current-user"
import { log } from "@/lib/log"
import { hit } from "@/lib/rate-limit"
import { fail, type ActionResult } from "@/lib/result"
import { getCheckoutSession } from "@/lib/stripe"
import { findBillingCustomerId } from "../checkout/customer"
import { getCurrentSubscription } from "../views/queries"
import { syncedRecently, syncUserNow } from "./eager"
import { BillingProviderError } from "../types"

/**
 * Portal return: pull the user's state from Stripe (a reload within the throttle window shows the
 * database, which the first load just wrote). On failure the page shows the cached state.
 */
export async function refreshFromStripe(userId: string): Promise<{ fresh: boolean }> {
  const result = await syncUserNow(userId)
  if (result.status === "failed" || result.status === "busy") {
    log.warn("eager sync did not complete; showing cached state", { userId, status: result.status, error: result.error?.message })
    return { fresh: false }
  }
  return { fresh: true }
}

/** Checkout sessions a user's success page may look up at Stripe in a minute. */
export const CONFIRMS_PER_MINUTE = 10

/** Checkout success: the session must be this user's, and complete; then sync at once. */
export async function confirmCheckout(user: CurrentUser, sessionId: string | undefined): Promise<ActionResult<{ fresh: boolean }>> {
  if (!sessionId || !/^cs_[A-Za-z0-9_]+$/.test(sessionId)) return fail("invalid_session", "That checkout link is not valid.")
  // A reload right after the first visit: that visit checked the session and synced; show the database.
  // Only when the database already has the subscription: a sync just before Checkout (the checkout
  // action's) is recent too, and would otherwise show "ready" with no plan on the first visit.
  if ((await syncedRecently(user.id)) && (await getCurrentSubscription(user.id))) return { ok: true, fresh: true }
  // Each look-up is a Stripe call: a made-up id in a reloaded URL must not spend the account's rate limit.
  const limited = await hit({ name: "checkout-confirm", max: CONFIRMS_PER_MINUTE, windowSeconds: 60 }, user.id)
  if (!limited.ok) return fail("rate_limited", `Too many attempts. Please wait ${limited.retryAfter} seconds and reload this page.`)
  const byIp = await limitStripeSpendByIp()
  if (byIp) return fail("rate_limited", `Too many attempts. Please wait ${byIp.retryAfter} seconds and reload this page.`)
  let session
  try {
    session = await getCheckoutSession(sessionId)
  } catch (err) {
    if (err instanceof BillingProviderError && err.kind === "not_found") return fail("invalid_session", "That checkout link is not valid.")
    log.error("checkout session lookup failed", { userId: user.id, sessionId, error: err })
    return { ok: true, fresh: false }
  }
  const customerId = await findBillingCustomerId(user.id)
  if (session.userId !== user.id || !customerId || session.customerId !== customerId) {
    log.warn("checkout session of another user presented", { userId: user.id, sessionId })
    return fail("not_yours", "That checkout belongs to a different account.")
  }
  if (session.status !== "complete")
    return fail("incomplete", "Your payment has not completed yet. If you closed the checkout page, you can start again from pricing.")
  return { ok: true, ...(await refreshFromStripe(user.id)) }
}
