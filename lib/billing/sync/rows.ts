// Domain states → our rows. Pure, so the mapping is unit-tested without a database.
import type { BillingCustomer, NewUserSubscription } from "@/lib/db/schema"
import { hasEnded, isLive } from "../status"
import type { CardSummary, CustomerState, SubscriptionState } from "../types"

export function subscriptionRow(
  s: SubscriptionState,
  userId: string,
  planId: string | null,
  scheduled: { planId: string; interval: "month" | "year" } | null = null,
): NewUserSubscription {
  return {
    stripeSubscriptionId: s.id,
    userId,
    stripeCustomerId: s.customerId,
    planId,
    stripePriceId: s.priceId,
    interval: s.interval,
    quantity: s.quantity,
    unitAmount: s.unitAmount,
    currency: s.currency,
    status: s.status,
    currentPeriodStart: s.currentPeriodStart,
    currentPeriodEnd: s.currentPeriodEnd,
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    cancelAt: s.cancelAt,
    canceledAt: s.canceledAt,
    endedAt: s.endedAt,
    trialStart: s.trialStart,
    trialEnd: s.trialEnd,
    trialMissingPaymentMethod: s.trialMissingPaymentMethod,
    discountLabel: s.discount?.label ?? null,
    discountPercentOff: s.discount?.percentOff ?? null,
    discountAmountOff: s.discount?.amountOff ?? null,
    discountCurrency: s.discount?.currency ?? null,
    discountDuration: s.discount?.duration ?? null,
    discountEndsAt: s.discount?.endsAt ?? null,
    discountCouponId: s.discount?.couponId ?? null,
    cancellationReason: s.cancellation.reason,
    cancellationFeedback: s.cancellation.feedback,
    cancellationComment: s.cancellation.comment,
    stripeScheduleId: s.scheduleId,
    scheduledPriceId: s.scheduledChange?.priceId ?? null,
    scheduledPlanId: s.scheduledChange ? (scheduled?.planId ?? null) : null,
    scheduledInterval: s.scheduledChange ? (scheduled?.interval ?? s.scheduledChange.interval) : null,
    scheduledQuantity: s.scheduledChange?.quantity ?? null,
    scheduledChangeAt: s.scheduledChange?.at ?? null,
    upcomingAmount: s.upcoming?.amount ?? null,
    upcomingCurrency: s.upcoming?.currency ?? null,
    upcomingAt: s.upcoming?.at ?? null,
    stripeCreatedAt: s.createdAt,
    livemode: s.livemode,
  }
}

/** The customer's own default card, else the newest unended subscription's default card. */
export function customerFields(
  c: Extract<CustomerState, { deleted: false }>,
  subscriptions: SubscriptionState[] = [],
): Pick<BillingCustomer, "email" | "name" | "address" | "defaultPaymentMethod" | "livemode"> {
  const fallback: CardSummary | null =
    [...subscriptions].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).find((s) => !hasEnded(s.status) && s.card)?.card ??
    null
  return { email: c.email, name: c.name, address: c.address, defaultPaymentMethod: c.card ?? fallback, livemode: c.livemode }
}

/** More than one live subscription for one customer should never happen; it is reported when it does. */
export const liveCount = (subscriptions: SubscriptionState[]) => subscriptions.filter((s) => isLive(s.status)).length
