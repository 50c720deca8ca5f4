// What a quantity costs on a price: per unit, or by its tiers (graduated or volume). Shared by the
// renewal (usage lines) and the prices resource; imports nothing of the engine.
import type Stripe from "stripe"

/** What `quantity` units cost on a price, by its tiers (graduated: each tier's units at its rate), one entry per tier billed. */
export function tieredCost(price: Stripe.Price, quantity: number): { tier: number; quantity: number; amount: number; unit: number }[] {
  const tiers = (price as Stripe.Price & { tiers?: Stripe.Price.Tier[] }).tiers
  if (price.billing_scheme !== "tiered" || !tiers)
    return [{ tier: 0, quantity, amount: (price.unit_amount ?? 0) * quantity, unit: price.unit_amount ?? 0 }]
  if (price.tiers_mode === "volume") {
    const i = tiers.findIndex((t) => t.up_to === null || quantity <= t.up_to)
    const t = tiers[i] as Stripe.Price.Tier
    return [{ tier: i, quantity, amount: (t.unit_amount ?? 0) * quantity + (t.flat_amount ?? 0), unit: t.unit_amount ?? 0 }]
  }
  const out: { tier: number; quantity: number; amount: number; unit: number }[] = []
  let from = 0
  tiers.forEach((t, i) => {
    if (i > 0 && quantity <= from) return
    const upTo = t.up_to ?? Number.POSITIVE_INFINITY
    const n = Math.max(0, Math.min(quantity, upTo) - from)
    out.push({
      tier: i,
      quantity: n,
      amount: (t.unit_amount ?? 0) * n + (n > 0 || i === 0 ? (t.flat_amount ?? 0) : 0),
      unit: t.unit_amount ?? 0,
    })
    from = upTo
  })
  return out
}
