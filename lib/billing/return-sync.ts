// Eager syncs for the pages users land on after Stripe: the result says whether what we show is fresh.
import "server-only"
import Stripe from "stripe"
import { fail, type ActionResult } from "@/lib/actions/result"
import type { CurrentUser } from "@/lib/auth/current-user"
import { log } from "@/lib/log"
import { stripe } from "@/lib/stripe/config"
import { findStripeCustomerId } from "@/lib/stripe/customer"
import { idOf } from "./mappers"
import { syncUserBilling } from "./sync"

/** Portal return: pull the user's state from Stripe; on failure the page shows the cached state. */
export async function refreshFromStripe(userId: string): Promise<{ fresh: boolean }> {
  try {
    await syncUserBilling(userId)
    return { fresh: true }
  } catch (err) {
    log.error("eager sync failed; showing cached state", { userId, error: err })
    return { fresh: false }
  }
}

/** Checkout success: the session must be this user's, and complete; then sync at once. */
export async function confirmCheckout(user: CurrentUser, sessionId: string | undefined): Promise<ActionResult<{ fresh: boolean }>> {
  if (!sessionId || !/^cs_[A-Za-z0-9_]+$/.test(sessionId)) return fail("invalid_session", "That checkout link is not valid.")
  let session: Stripe.Checkout.Session
  try {
    session = await stripe.checkout.sessions.retrieve(sessionId)
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return fail("invalid_session", "That checkout link is not valid.")
    log.error("checkout session lookup failed", { userId: user.id, sessionId, error: err })
    return { ok: true, fresh: false }
  }
  const customerId = await findStripeCustomerId(user.id)
  if (session.client_reference_id !== user.id || !customerId || idOf(session.customer) !== customerId) {
    log.warn("checkout session of another user presented", { userId: user.id, sessionId })
    return fail("not_yours", "That checkout belongs to a different account.")
  }
  if (session.status !== "complete") return fail("incomplete", "Your payment has not completed yet. If you closed the checkout page, you can start again from pricing.")
  return { ok: true, ...(await refreshFromStripe(user.id)) }
}
