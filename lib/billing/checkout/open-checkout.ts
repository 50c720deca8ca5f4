// One open Checkout session per user. A click reuses the open session when the choice is the same,
// or replaces it (expiring the old one at Stripe, so it can no longer be paid into a second
// subscription). The slot is decided in a short transaction; Stripe is called after it commits.
import "server-only"
import { and, eq, sql } from "drizzle-orm"
import { db, type Transaction } from "@/lib/db/client"
import { checkoutSessions } from "@/lib/db/schema"
import { log } from "@/lib/log"
import { createSubscriptionCheckout, expireCheckoutSession, type SubscriptionCheckout } from "@/lib/stripe"
import type { CurrentUser } from "@/lib/auth/current-user"
import { fail, type ActionResult } from "@/lib/result"
import { BillingProviderError, type CheckoutSessionState } from "../types"
import { getOrCreateBillingCustomer, markCustomerDeleted } from "./customer"
import { isPending, PENDING, reserveSessionSlot, type Pending } from "../session-slot"

/** A session this close to Stripe's expiry is replaced rather than reused. */
const MIN_REMAINING_MINUTES = 10

type Slot = { reuse: string } | { reserved: number; replaces: string | null }

/** Where a user who already subscribed is sent instead of a second Checkout. */
export const MANAGE_PATH = "/subscription/manage?notice=already-subscribed"

/** `busy`: another click's Checkout for this user was still being opened after the wait. */
export type OpenedCheckout = { url: string | null; reused: boolean; alreadyPaid?: true } | { busy: true }

/** What the slot compares to reuse an open session: the same price, quantity and trial. */
export type CheckoutChoice = Pick<SubscriptionCheckout, "userId" | "priceId" | "quantity" | "trialDays">

export function openCheckout(c: SubscriptionCheckout): Promise<OpenedCheckout> {
  return openCheckoutWith(c, () => createSubscriptionCheckout(c))
}

/**
 * The slot, reuse and replace rules of openCheckout for any Checkout `create` opens. `oneTime` (a credit
 * pack): a replaced session found paid does not stop this one (buying a second pack is fine).
 */
export async function openCheckoutWith(
  c: CheckoutChoice,
  create: () => Promise<CheckoutSessionState>,
  { oneTime = false } = {},
): Promise<OpenedCheckout> {
  const slot = await reserveSessionSlot("checkout", c.userId, (tx) => decide(tx, c))
  if (isPending(slot)) return { busy: true }
  if ("reuse" in slot) return { url: slot.reuse, reused: true }
  try {
    if (slot.replaces) {
      const old = await expireCheckoutSession(slot.replaces)
      // Paid in another tab after the caller's "already subscribed?" read: no second session (it could be
      // paid into a second subscription); the user goes to manage, where the sync shows what they bought.
      if (old.status === "complete" && oneTime)
        await db.update(checkoutSessions).set({ status: "complete" }).where(eq(checkoutSessions.stripeSessionId, slot.replaces))
      else if (old.status === "complete") {
        log.warn("replaced Checkout session had completed; not opening another", { userId: c.userId, session: slot.replaces })
        await db.delete(checkoutSessions).where(eq(checkoutSessions.id, slot.reserved))
        await db.update(checkoutSessions).set({ status: "complete" }).where(eq(checkoutSessions.stripeSessionId, slot.replaces))
        return { url: MANAGE_PATH, reused: false, alreadyPaid: true }
      }
    }
    const session = await create()
    await db
      .update(checkoutSessions)
      .set({ stripeSessionId: session.id, url: session.url, expiresAt: session.expiresAt })
      .where(eq(checkoutSessions.id, slot.reserved))
    return { url: session.url, reused: false }
  } catch (err) {
    await db.delete(checkoutSessions).where(eq(checkoutSessions.id, slot.reserved))
    throw err
  }
}

/** Under the per-user lock (see ../session-slot.ts): reuse the open session, wait for one being opened, or take a slot. */
async function decide(tx: Transaction, c: CheckoutChoice): Promise<Slot | Pending> {
  const [open] = await tx
    .select({
      id: checkoutSessions.id,
      url: checkoutSessions.url,
      stripeSessionId: checkoutSessions.stripeSessionId,
      priceId: checkoutSessions.priceId,
      quantity: checkoutSessions.quantity,
      trialDays: checkoutSessions.trialDays,
      usable: sql<boolean>`coalesce(${checkoutSessions.expiresAt} > now() + make_interval(mins => ${MIN_REMAINING_MINUTES}), false)`,
      stale: sql<boolean>`${checkoutSessions.createdAt} < now() - interval '1 minute'`,
    })
    .from(checkoutSessions)
    .where(and(eq(checkoutSessions.userId, c.userId), eq(checkoutSessions.status, "open")))
  if (open && !open.url && !open.stale) return PENDING
  if (open?.url && open.usable && open.priceId === c.priceId && open.quantity === c.quantity && open.trialDays === (c.trialDays ?? null))
    return { reuse: open.url }
  if (open) await tx.update(checkoutSessions).set({ status: "expired" }).where(eq(checkoutSessions.id, open.id))
  const [row] = await tx
    .insert(checkoutSessions)
    .values({ userId: c.userId, priceId: c.priceId, quantity: c.quantity, trialDays: c.trialDays ?? null })
    .returning({ id: checkoutSessions.id })
  if (!row) throw new Error("checkout reservation was not written")
  return { reserved: row.id, replaces: open?.stripeSessionId ?? null }
}

/**
 * Opens a Checkout Session for the user's Stripe customer and answers the action: a customer deleted at
 * Stripe is replaced once and tried again; a session still being opened elsewhere is `checkout_busy`.
 */
export async function openForCustomer(
  user: Pick<CurrentUser, "id" | "email">,
  customerId: string,
  open: (customerId: string) => Promise<OpenedCheckout>,
): Promise<ActionResult<{ url: string }>> {
  let session
  try {
    session = await open(customerId)
  } catch (err) {
    if (!(err instanceof BillingProviderError && err.kind === "not_found")) throw err
    await markCustomerDeleted(customerId)
    session = await open(await getOrCreateBillingCustomer(user.id, user.email))
  }
  if ("busy" in session) return fail("checkout_busy", "Checkout is opening in another tab. Please try again in a moment.")
  if (!session.url) return fail("stripe_error", "Checkout could not be opened. Please try again.")
  return { ok: true, url: session.url }
}
