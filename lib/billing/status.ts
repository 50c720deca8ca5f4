// What a Stripe subscription status means for the product: access, and whether a new Checkout is allowed.
import type { SubscriptionStatus } from "@/lib/db/schema"

/** Statuses in which the customer keeps using the product (past_due is the dunning grace period). */
export const ACCESS_STATUSES: readonly SubscriptionStatus[] = ["trialing", "active", "past_due"]
const ACCESS: ReadonlySet<SubscriptionStatus> = new Set(ACCESS_STATUSES)
/** Statuses of a subscription the customer still has and must manage instead of buying another. */
const LIVE: ReadonlySet<SubscriptionStatus> = new Set(["trialing", "active", "past_due", "unpaid", "paused"])
const ENDED: ReadonlySet<SubscriptionStatus> = new Set(["canceled", "incomplete_expired"])

export const hasAccess = (status: SubscriptionStatus) => ACCESS.has(status)
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
