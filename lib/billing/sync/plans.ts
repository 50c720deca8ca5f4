// Price → plan, cached per process: plans change only when stripe:setup runs, and a price we have not
// seen reloads the table, so a new price is never mapped to "no plan".
import "server-only"
import type { Executor } from "@/lib/db/client"
import { subscriptionPlans } from "@/lib/db/schema"

let planCache: Map<string, string> | undefined
const intervals = new Map<string, "month" | "year">()

export async function planIdForPrice(tx: Executor, priceId: string | null): Promise<string | null> {
  return (await planOfPrice(tx, priceId))?.planId ?? null
}

/** The catalog plan and interval a price is (a scheduled phase names its price only by id). */
export async function planOfPrice(tx: Executor, priceId: string | null): Promise<{ planId: string; interval: "month" | "year" } | null> {
  if (!priceId) return null
  if (!planCache?.has(priceId)) {
    const plans = await tx
      .select({ id: subscriptionPlans.id, m: subscriptionPlans.stripeMonthlyPriceId, y: subscriptionPlans.stripeYearlyPriceId })
      .from(subscriptionPlans)
    planCache = new Map()
    for (const p of plans) {
      if (p.m) planCache.set(p.m, p.id)
      if (p.y) planCache.set(p.y, p.id)
      if (p.m) intervals.set(p.m, "month")
      if (p.y) intervals.set(p.y, "year")
    }
  }
  const planId = planCache.get(priceId)
  const interval = intervals.get(priceId)
  return planId && interval ? { planId, interval } : null
}
