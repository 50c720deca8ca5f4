// Price → plan, cached per process: plans change only when stripe:setup runs, and a price we have not
// seen reloads the table, so a new price is never mapped to "no plan".
import "server-only"
import type { Executor } from "@/lib/db/client"
import { subscriptionPlans } from "@/lib/db/schema"

let planCache: Map<string, string> | undefined

export async function planIdForPrice(tx: Executor, priceId: string | null): Promise<string | null> {
  if (!priceId) return null
  if (!planCache?.has(priceId)) {
    const plans = await tx
      .select({ id: subscriptionPlans.id, m: subscriptionPlans.stripeMonthlyPriceId, y: subscriptionPlans.stripeYearlyPriceId })
      .from(subscriptionPlans)
    planCache = new Map()
    for (const p of plans) {
      if (p.m) planCache.set(p.m, p.id)
      if (p.y) planCache.set(p.y, p.id)
    }
  }
  return planCache.get(priceId) ?? null
}
