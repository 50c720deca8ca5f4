// The projected usage charge on the next invoice, from Stripe's invoice preview (not the catalog's unit
// price): the metered lines for the usage Stripe has so far, less the credits that would apply. Read
// at most once a minute per subscription and instance (a page view must not cost a Stripe call each).
import "server-only"
import { eq } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { userSubscriptions } from "@/lib/db/schema"
import { log } from "@/lib/log"
import { previewUsageCharge } from "@/lib/stripe"
import { currentOf, hasAccess } from "../status"

export type UsageProjection = { cents: number; credits: number; net: number }
const TTL_MS = 60_000
const cache = new Map<string, { at: number; value: UsageProjection | null }>()

/** The projection for the subscription that pays for `payerUserId`'s usage; null without one (or when Stripe cannot say). */
export async function projectedUsageCharge(payerUserId: string, now = Date.now()): Promise<UsageProjection | null> {
  const rows = await db.select().from(userSubscriptions).where(eq(userSubscriptions.userId, payerUserId))
  const sub = currentOf(rows)
  if (!sub || !hasAccess(sub.status)) return null
  const hit = cache.get(sub.stripeSubscriptionId)
  if (hit && now - hit.at < TTL_MS) return hit.value
  let value: UsageProjection | null = null
  try {
    const p = await previewUsageCharge(sub.stripeSubscriptionId)
    value = p && { ...p, net: p.cents - p.credits }
  } catch (err) {
    log.warn("usage projection unavailable", { subscription: sub.stripeSubscriptionId, error: String(err) })
  }
  cache.set(sub.stripeSubscriptionId, { at: now, value })
  return value
}

/** The projection for a usage view (overage-billed plans only). */
export const projectionFor = (usage: { atLimit: string; payerUserId: string | null }) =>
  usage.atLimit === "billed_as_overage" && usage.payerUserId ? projectedUsageCharge(usage.payerUserId) : Promise.resolve(null)
