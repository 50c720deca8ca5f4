// Opening the Customer Portal: the signed-in user's own customer only, at most N sessions a minute
// (counted in Postgres, so it holds across app instances), and a fresh session reused on repeated
// clicks so five clicks open one portal rather than five (or an error).
import "server-only"
import { and, desc, eq, gt, sql } from "drizzle-orm"
import type Stripe from "stripe"
import { fail, type ActionResult } from "@/lib/actions/result"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { billingCustomers, portalSessions } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { stripe } from "@/lib/stripe/config"
import { stripeFailure } from "@/lib/stripe/errors"
import { getPortalConfigurationId } from "@/lib/stripe/portal-configuration"
import { getCurrentSubscription } from "./queries"
import { hasEnded } from "./status"

export const PORTAL_FLOWS = ["home", "payment_method_update", "subscription_cancel", "subscription_update"] as const
export type PortalFlow = (typeof PORTAL_FLOWS)[number]

/** Clicks within this window get the session already opened. */
export const REUSE_WINDOW_SECONDS = 10
export const PORTAL_RETURN_PATH = "/subscription/portal-return"

type Opened = { url: string; reused: boolean }

export async function openPortal(user: CurrentUser, flow: PortalFlow = "home"): Promise<ActionResult<Opened>> {
  const [mapping] = await db.select().from(billingCustomers).where(eq(billingCustomers.userId, user.id))
  if (!mapping) return fail("no_customer", "You don't have a billing account yet. Choose a plan to get started.")

  let flowData: Stripe.BillingPortal.SessionCreateParams.FlowData | undefined
  const returnUrl = `${env.appUrl}${PORTAL_RETURN_PATH}`
  if (flow !== "home") {
    const after = { type: "redirect" as const, redirect: { return_url: `${returnUrl}?flow=${flow}` } }
    if (flow === "payment_method_update") flowData = { type: flow, after_completion: after }
    else {
      const sub = await getCurrentSubscription(user.id)
      if (!sub || hasEnded(sub.status)) return fail("no_subscription", "You don't have an active subscription to change.")
      if (flow === "subscription_cancel" && sub.cancelAtPeriodEnd) return fail("already_canceling", "Your subscription is already set to end.")
      flowData =
        flow === "subscription_cancel"
          ? { type: flow, subscription_cancel: { subscription: sub.stripeSubscriptionId }, after_completion: after }
          : { type: flow, subscription_update: { subscription: sub.stripeSubscriptionId }, after_completion: after }
    }
  }

  try {
    return await db.transaction(async (tx) => {
      // One opener per user at a time, across instances: the count and the insert cannot interleave.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`portal:${user.id}`}, 0))`)
      // Ages are computed by the database clock, the one every app instance shares.
      const recent = await tx
        .select({ url: portalSessions.url, flow: portalSessions.flow, fresh: sql<boolean>`${portalSessions.createdAt} > now() - make_interval(secs => ${REUSE_WINDOW_SECONDS})` })
        .from(portalSessions)
        .where(and(eq(portalSessions.userId, user.id), gt(portalSessions.createdAt, sql`now() - interval '1 minute'`)))
        .orderBy(desc(portalSessions.createdAt))
      const latest = recent[0]
      if (latest && latest.flow === flow && latest.fresh)
        return { ok: true as const, url: latest.url, reused: true }
      if (recent.length >= env.portalSessionsPerMinute) {
        log.warn("portal rate limited", { userId: user.id, recent: recent.length })
        return fail("rate_limited", "You've opened billing several times in the last minute. Please wait a moment and try again.")
      }

      const customer = await stripe.customers.retrieve(mapping.stripeCustomerId)
      if (customer.deleted) return fail("customer_deleted", "Your billing account was closed. Please contact support.")
      if (customer.metadata.user_id !== user.id) {
        log.error("portal refused: Stripe customer does not name this user", { userId: user.id, customer: customer.id, metadataUser: customer.metadata.user_id })
        return fail("customer_mismatch", "We couldn't verify your billing account. Please contact support.")
      }
      const configuration = await getPortalConfigurationId()
      if (!configuration) {
        log.error("portal refused: no portal configuration; run `npm run stripe:setup`")
        return fail("portal_not_configured", "Billing management is not available yet. Please contact support.")
      }
      const session = await stripe.billingPortal.sessions.create({
        customer: customer.id,
        return_url: returnUrl,
        configuration,
        ...(flowData ? { flow_data: flowData } : {}),
      })
      await tx.insert(portalSessions).values({ userId: user.id, stripeSessionId: session.id, url: session.url, flow })
      return { ok: true as const, url: session.url, reused: false }
    })
  } catch (err) {
    return stripeFailure(err, "portal session", { userId: user.id, flow })
  }
}
