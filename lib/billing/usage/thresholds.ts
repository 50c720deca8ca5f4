// The app's own usage thresholds (80% and 100% of the allowance), computed from the ledger when a page
// renders: the ledger is exact at once, whereas Stripe's billing alerts fire only on what the meter
// has aggregated (after the outbox has sent it and Stripe has processed it) and only for paid customers.
import type { UsageView } from "./ledger"

export const WARN_AT = 0.8

export function usageThreshold(u: Pick<UsageView, "used" | "included">): "none" | "warning" | "reached" {
  if (u.included <= 0) return "none"
  if (u.used >= u.included) return "reached"
  return u.used >= u.included * WARN_AT ? "warning" : "none"
}
