// Pure mappers from Stripe objects to our rows: vendor shapes stop here.
import type Stripe from "stripe"
import type { BillingCustomer, CardSummary, NewUserSubscription, PostalAddress, SubscriptionStatus } from "@/lib/db/schema"
import { SUBSCRIPTION_STATUSES } from "@/lib/db/schema"

export const fromUnix = (s: number | null | undefined): Date | null => (s ? new Date(s * 1000) : null)
export const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === "string" ? v : v.id)

export function toStatus(status: string): SubscriptionStatus {
  if ((SUBSCRIPTION_STATUSES as readonly string[]).includes(status)) return status as SubscriptionStatus
  throw new Error(`unknown Stripe subscription status: ${status}`)
}

export type SubscriptionContext = { userId: string; planIdForPrice: (priceId: string) => string | null }

/**
 * One row per subscription. Since 2025 the Portal may schedule a cancellation as `cancel_at` = the
 * period end instead of `cancel_at_period_end`; both mean "ends at period end" to our users.
 */
export function subscriptionRow(sub: Stripe.Subscription, ctx: SubscriptionContext): NewUserSubscription {
  const item = sub.items.data[0]
  if (!item) throw new Error(`subscription ${sub.id} has no items`)
  const price = item.price
  const periodEnd = item.current_period_end
  return {
    stripeSubscriptionId: sub.id,
    userId: ctx.userId,
    stripeCustomerId: idOf(sub.customer)!,
    planId: ctx.planIdForPrice(price.id),
    stripePriceId: price.id,
    interval: (price.recurring?.interval ?? null) as NewUserSubscription["interval"],
    quantity: item.quantity ?? 1,
    unitAmount: price.unit_amount,
    currency: price.currency,
    status: toStatus(sub.status),
    currentPeriodStart: fromUnix(item.current_period_start),
    currentPeriodEnd: fromUnix(periodEnd),
    cancelAtPeriodEnd: sub.cancel_at_period_end || (sub.cancel_at != null && sub.cancel_at === periodEnd),
    cancelAt: fromUnix(sub.cancel_at),
    canceledAt: fromUnix(sub.canceled_at),
    endedAt: fromUnix(sub.ended_at),
    trialStart: fromUnix(sub.trial_start),
    trialEnd: fromUnix(sub.trial_end),
    stripeCreatedAt: fromUnix(sub.created)!,
  }
}

export function cardSummary(pm: Stripe.PaymentMethod | string | null | undefined): CardSummary | null {
  if (!pm || typeof pm === "string" || !pm.card) return null
  return { brand: pm.card.brand, last4: pm.card.last4, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year }
}

export function addressOf(a: Stripe.Address | null | undefined): PostalAddress | null {
  if (!a || !Object.values(a).some(Boolean)) return null
  return { line1: a.line1, line2: a.line2, city: a.city, postal_code: a.postal_code, state: a.state, country: a.country }
}

/** Customer fields we cache; `fallbackCard` is the subscription's own default when the customer has none. */
export function customerFields(
  c: Stripe.Customer,
  fallbackCard: CardSummary | null = null,
): Pick<BillingCustomer, "email" | "name" | "address" | "defaultPaymentMethod"> {
  return {
    email: c.email,
    name: c.name ?? null,
    address: addressOf(c.address),
    defaultPaymentMethod: cardSummary(c.invoice_settings?.default_payment_method as Stripe.PaymentMethod | null) ?? fallbackCard,
  }
}

/** The subscription an invoice belongs to (its `parent` at this API version). */
export function invoiceSubscriptionId(inv: Stripe.Invoice): string | null {
  return idOf(inv.parent?.subscription_details?.subscription ?? null)
}
