// Opening the Customer Portal: the signed-in user's own customer only, at most N sessions a minute
// (counted in Postgres, so it holds across app instances), and a fresh session reused on repeated
// clicks so five clicks open one portal rather than five. The slot is reserved in a short
// transaction; Stripe is called after it commits (one call), never while a connection is held.
import "server-only"
import { and, desc, eq, gt, sql } from "drizzle-orm"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db, type Transaction } from "@/lib/db/client"
import { billingCustomers, customerSyncs, portalSessions, teams } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { fail, type ActionResult } from "@/lib/result"
import { createPortalSession, getMinSeatsPortalConfigurationId, getPortalConfigurationId, type PlanPrices } from "@/lib/stripe"
import { perSeatPlan, TRIAL_MAX_SEATS } from "../catalog"
import { isPending, PENDING, reserveSessionSlot, type Pending } from "../session-slot"
import { seatUse } from "../team/seats"
import { claimRetentionOffer, withdrawRetentionOffer } from "./retention"
import { findBillingCustomerId, markCustomerDeleted } from "../checkout/customer"
import { billingFailure } from "../errors"
import { getCurrentSubscription, listPlans } from "../views/queries"
import { hasEnded } from "../status"
import { BillingProviderError, type PortalFlowRequest } from "../types"

export const PORTAL_FLOWS = ["home", "payment_method_update", "subscription_cancel", "subscription_update"] as const
export type PortalFlow = (typeof PORTAL_FLOWS)[number]

/** Clicks within this window get the session already opened. */
export const REUSE_WINDOW_SECONDS = 10
export const PORTAL_RETURN_PATH = "/subscription/portal-return"
/** `retentionOffered`: the cancel flow offers the retention coupon (Stripe's session says so). */
type Opened = { url: string; reused: boolean; retentionOffered?: boolean }
type Reservation = { reserved: number } | { reuse: string } | { limited: true }

export async function openPortal(user: CurrentUser, flow: PortalFlow = "home"): Promise<ActionResult<Opened>> {
  const customerId = await findBillingCustomerId(user.id)
  if (!customerId) return fail("no_customer", "You don't have a billing account yet. Choose a plan to get started.")

  const returnUrl = `${env.appUrl}${PORTAL_RETURN_PATH}`
  let flowRequest: PortalFlowRequest | undefined
  if (flow === "payment_method_update") flowRequest = { type: flow, afterUrl: `${returnUrl}?flow=${flow}` }
  else if (flow !== "home") {
    const sub = await getCurrentSubscription(user.id)
    if (!sub || hasEnded(sub.status)) return fail("no_subscription", "You don't have an active subscription to change.")
    if (flow === "subscription_cancel" && sub.cancelAtPeriodEnd)
      return fail("already_canceling", "Your subscription is already set to end.")
    flowRequest =
      flow === "subscription_cancel"
        ? { type: flow, subscriptionId: sub.stripeSubscriptionId, afterUrl: `${returnUrl}?flow=${flow}` }
        : { type: flow, subscriptionId: sub.stripeSubscriptionId, afterUrl: `${returnUrl}?flow=${flow}` }
  }

  const reservation = await reserveSessionSlot("portal", user.id, (tx) => decide(tx, user.id, flow))
  if (isPending(reservation)) return fail("portal_busy", "Billing is opening in another tab. Please try again in a moment.")
  if ("reuse" in reservation) return { ok: true, url: reservation.reuse, reused: true }
  if ("limited" in reservation) {
    log.warn("portal rate limited", { userId: user.id })
    return fail("rate_limited", "You've opened billing several times in the last minute. Please wait a moment and try again.")
  }

  let claimed = false
  try {
    const configuration = await configurationFor(user.id)
    if (!configuration) {
      log.error("portal refused: no portal configuration; run `npm run stripe:setup`")
      await db.delete(portalSessions).where(eq(portalSessions.id, reservation.reserved))
      return fail("portal_not_configured", "Billing management is not available yet. Please contact support.")
    }
    // The cancel flow offers the retention coupon unless this customer already answered it.
    if (flowRequest?.type === "subscription_cancel") {
      flowRequest.retentionCouponId = await claimRetentionOffer(user.id, customerId)
      claimed = flowRequest.retentionCouponId !== null
    }
    const session = await createPortalSession({ customerId, configuration, returnUrl, ...(flowRequest ? { flow: flowRequest } : {}) })
    await db
      .update(portalSessions)
      .set({ stripeSessionId: session.id, url: session.url })
      .where(eq(portalSessions.id, reservation.reserved))
    return { ok: true, url: session.url, reused: false, retentionOffered: session.retentionCouponId !== null }
  } catch (err) {
    await db.delete(portalSessions).where(eq(portalSessions.id, reservation.reserved))
    if (claimed) await withdrawRetentionOffer(customerId)
    if (err instanceof BillingProviderError && err.kind === "not_found" && err.detail.code === "resource_missing") {
      await markCustomerDeleted(customerId)
      return fail("no_customer", "Your billing account was closed. Choose a plan to start again.")
    }
    return billingFailure(err, "portal session", { userId: user.id, flow })
  }
}

/**
 * The default configuration, or for a team owner with more members than the Team plan's minimum, a
 * variant whose minimum seat count is the member count (the portal then cannot go below it).
 * STRIPE_PORTAL_CONFIGURATION_ID (an operator's own configuration) is used as it is.
 */
async function configurationFor(userId: string): Promise<string | null> {
  const plan = perSeatPlan()
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, userId))
  const members = team && plan ? (await seatUse(db, team.id)).members : 0
  // A Team trial's seats are capped until it converts (TRIAL_MAX_SEATS): the portal's quantity too.
  const current = plan ? await getCurrentSubscription(userId) : null
  const trialCap = current?.plan?.perSeat && current.status === "trialing" ? TRIAL_MAX_SEATS : undefined
  if (!plan || (members <= plan.minSeats && !trialCap) || env.stripePortalConfigurationId) return getPortalConfigurationId()
  const productIds: Record<string, string> = {}
  const prices: PlanPrices = {}
  for (const p of await listPlans()) {
    if (!p.stripeProductId || !p.stripeMonthlyPriceId || !p.stripeYearlyPriceId) return getPortalConfigurationId()
    productIds[p.id] = p.stripeProductId
    prices[p.id] = { month: p.stripeMonthlyPriceId, year: p.stripeYearlyPriceId }
  }
  return getMinSeatsPortalConfigurationId(members, { productIds, prices }, trialCap)
}

/** Under the per-user lock (see ../session-slot.ts): reuse a fresh session, wait for one being opened, or take a slot. */
async function decide(tx: Transaction, userId: string, flow: PortalFlow): Promise<Reservation | Pending> {
  // Ages are computed by the database clock, the one every app instance shares.
  const recent = await tx
    .select({
      url: portalSessions.url,
      flow: portalSessions.flow,
      fresh: sql<boolean>`${portalSessions.createdAt} > now() - make_interval(secs => ${REUSE_WINDOW_SECONDS})`,
    })
    .from(portalSessions)
    .where(and(eq(portalSessions.userId, userId), gt(portalSessions.createdAt, sql`now() - interval '1 minute'`)))
    .orderBy(desc(portalSessions.createdAt))
  const latest = recent[0]
  if (latest && latest.flow === flow && latest.fresh) return latest.url ? { reuse: latest.url } : PENDING
  if (recent.length >= env.portalSessionsPerMinute) return { limited: true as const }
  const [row] = await tx.insert(portalSessions).values({ userId, flow }).returning({ id: portalSessions.id })
  if (!row) throw new Error("portal reservation was not written")
  // Coming back from this portal visit is not a reload: the return page must ask Stripe again.
  await tx.execute(sql`update ${customerSyncs} set eager_sync_at = null
    where stripe_customer_id = (select stripe_customer_id from ${billingCustomers} where user_id = ${userId})`)
  return { reserved: row.id }
}
