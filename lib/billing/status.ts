// What a Stripe subscription status means for the product: access, and whether a new Checkout is allowed.
import { sql, type SQL } from "drizzle-orm"
import type { SubscriptionStatus } from "./types"
import { GRACE_POLICY } from "./catalog"

/** Statuses in which the customer keeps using the product (past_due only until graceEndsAt). */
export const ACCESS_STATUSES: readonly SubscriptionStatus[] = ["trialing", "active", "past_due"]
const ACCESS: ReadonlySet<SubscriptionStatus> = new Set(ACCESS_STATUSES)
/** Statuses of a subscription the customer still has and must manage instead of buying another. */
const LIVE: ReadonlySet<SubscriptionStatus> = new Set(["trialing", "active", "past_due", "unpaid", "paused"])
const ENDED: ReadonlySet<SubscriptionStatus> = new Set(["canceled", "incomplete_expired"])

export const hasAccess = (status: SubscriptionStatus) => ACCESS.has(status)

const DAY_MS = 86_400_000

/**
 * When a past_due subscription's paid features lock (GRACE_POLICY days after the failed renewal, which
 * Stripe attempts at the start of the new period), or null when not past_due. The one grace rule: the
 * entitlement query (accessSql) and the manage page's banner both come from it.
 */
export function graceEndsAt(s: { status: SubscriptionStatus; currentPeriodStart: Date | null }): Date | null {
  if (s.status !== "past_due" || !s.currentPeriodStart) return null
  return new Date(s.currentPeriodStart.getTime() + GRACE_POLICY.pastDueDays * DAY_MS)
}

/** hasAccess with the grace policy, at `now`. */
export const hasAccessAt = (s: { status: SubscriptionStatus; currentPeriodStart: Date | null }, now: Date) => {
  const ends = graceEndsAt(s)
  return ends ? now < ends : hasAccess(s.status)
}

/**
 * hasAccessAt as SQL over a user_subscriptions row (columns `status`, `current_period_start` of
 * `alias`), for queries that decide access for many rows at once. Kept next to graceEndsAt so the
 * two cannot drift; tests/integration/grace-policy.test.ts checks they agree on the real Postgres.
 */
export const accessSql = (alias: SQL, now: Date): SQL =>
  sql`(${alias}.status in ('trialing', 'active') or (${alias}.status = 'past_due' and ${alias}.current_period_start
       + make_interval(days => ${GRACE_POLICY.pastDueDays}) > ${now.toISOString()}::timestamptz))`
export const isLive = (status: SubscriptionStatus) => LIVE.has(status)
export const hasEnded = (status: SubscriptionStatus) => ENDED.has(status)
export const needsPaymentFix = (status: SubscriptionStatus) => status === "past_due" || status === "unpaid"

export const STATUS_LABEL: Record<SubscriptionStatus, string> = {
  trialing: "Trial",
  active: "Active",
  past_due: "Past due",
  unpaid: "Unpaid",
  canceled: "Canceled",
  incomplete: "Incomplete",
  incomplete_expired: "Expired",
  paused: "Paused",
}

export type Tone = "success" | "warning" | "danger" | "neutral"
export const STATUS_TONE: Record<SubscriptionStatus, Tone> = {
  trialing: "success",
  active: "success",
  past_due: "danger",
  unpaid: "danger",
  canceled: "neutral",
  incomplete: "warning",
  incomplete_expired: "neutral",
  paused: "warning",
}

/** The row that represents a user's subscription: the live one, else the most recent. */
export function currentOf<T extends { status: SubscriptionStatus; stripeCreatedAt: Date }>(rows: T[]): T | undefined {
  const sorted = [...rows].sort((a, b) => b.stripeCreatedAt.getTime() - a.stripeCreatedAt.getTime())
  return sorted.find((r) => isLive(r.status)) ?? sorted.find((r) => r.status !== "incomplete") ?? sorted[0]
}
