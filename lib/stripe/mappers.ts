// Pure mappers from Stripe objects to the domain's types: vendor shapes stop here.
import type Stripe from "stripe"
import { SUBSCRIPTION_STATUSES } from "@/lib/billing/types"
import type {
  BillingInterval,
  CardSummary,
  CustomerState,
  DiscountState,
  InvoiceState,
  PostalAddress,
  ScheduledChange,
  SubscriptionState,
  SubscriptionStatus,
  TrialEndBehavior,
} from "@/lib/billing/types"

export const fromUnix = (s: number | null | undefined): Date | null => (s ? new Date(s * 1000) : null)
export const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === "string" ? v : v.id)

export function toStatus(status: string): SubscriptionStatus {
  const known = SUBSCRIPTION_STATUSES.find((s) => s === status)
  if (!known) throw new Error(`unknown Stripe subscription status: ${status}`)
  return known
}

const INTERVALS: readonly BillingInterval[] = ["day", "week", "month", "year"]
const intervalOf = (v: string | null | undefined): BillingInterval | null => INTERVALS.find((i) => i === v) ?? null

export function cardSummary(pm: Stripe.PaymentMethod | string | null | undefined): CardSummary | null {
  if (!pm || typeof pm === "string" || !pm.card) return null
  return { brand: pm.card.brand, last4: pm.card.last4, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year }
}

/** The card's fingerprint (the same for one card number on any customer), when the method is an expanded card. */
export function cardFingerprintOf(pm: Stripe.PaymentMethod | string | null | undefined): string | null {
  return pm && typeof pm !== "string" ? (pm.card?.fingerprint ?? null) : null
}

export function addressOf(a: Stripe.Address | null | undefined): PostalAddress | null {
  if (!a || !Object.values(a).some(Boolean)) return null
  return { line1: a.line1, line2: a.line2, city: a.city, postal_code: a.postal_code, state: a.state, country: a.country }
}

/**
 * One subscription, from its plan item (subkit sells one licensed item, beside it at most a metered usage item). Since 2025 the
 * Portal may schedule a cancellation as `cancel_at` = the period end instead of
 * `cancel_at_period_end`; both mean "ends at period end" to our users.
 */
function trialEndBehavior(v: string | undefined): TrialEndBehavior | null {
  return v === "cancel" || v === "pause" || v === "create_invoice" ? v : null
}

/** The subscription's licensed (plan) item: a metered usage item may sit beside it. */
export const planItem = (sub: Stripe.Subscription): Stripe.SubscriptionItem | undefined =>
  sub.items.data.find((i) => i.price.recurring?.usage_type !== "metered") ?? sub.items.data[0]

export function subscriptionState(sub: Stripe.Subscription): SubscriptionState {
  const item = planItem(sub)
  if (!item) throw new Error(`subscription ${sub.id} has no items`)
  const customerId = idOf(sub.customer)
  if (!customerId) throw new Error(`subscription ${sub.id} has no customer`)
  const periodEnd = item.current_period_end
  const createdAt = fromUnix(sub.created) ?? new Date(0)
  return {
    id: sub.id,
    customerId,
    priceId: item.price.id,
    interval: intervalOf(item.price.recurring?.interval),
    quantity: item.quantity ?? 1,
    unitAmount: item.price.unit_amount,
    currency: item.price.currency,
    status: toStatus(sub.status),
    currentPeriodStart: fromUnix(item.current_period_start),
    currentPeriodEnd: fromUnix(periodEnd),
    cancelAtPeriodEnd: sub.cancel_at_period_end || (sub.cancel_at != null && sub.cancel_at === periodEnd),
    cancelAt: fromUnix(sub.cancel_at),
    canceledAt: fromUnix(sub.canceled_at),
    endedAt: fromUnix(sub.ended_at),
    trialStart: fromUnix(sub.trial_start),
    trialEnd: fromUnix(sub.trial_end),
    trialMissingPaymentMethod: trialEndBehavior(sub.trial_settings?.end_behavior.missing_payment_method),
    createdAt,
    card: cardSummary(sub.default_payment_method),
    discount: activeDiscount(sub.discounts),
    cancellation: {
      reason: sub.cancellation_details?.reason ?? null,
      feedback: sub.cancellation_details?.feedback ?? null,
      comment: sub.cancellation_details?.comment ?? null,
    },
    scheduleId: idOf(sub.schedule),
    scheduledChange: scheduledChange(sub),
    livemode: sub.livemode,
    cardFingerprint: cardFingerprintOf(sub.default_payment_method),
    upcoming: null,
  }
}

/**
 * The next phase of the subscription's schedule (read with `schedule` expanded): the phase after the
 * one running now, when its item differs from the subscription's. Null without a schedule, when the
 * schedule is not active or when its next phase changes nothing we show.
 */
export function scheduledChange(sub: Stripe.Subscription): ScheduledChange | null {
  const s = sub.schedule
  if (!s || typeof s === "string" || s.status !== "active" || !s.current_phase) return null
  const now = s.current_phase.start_date
  const next = s.phases.find((p) => p.start_date > now)
  const it = next?.items[0]
  if (!next || !it) return null
  const priceId = idOf(it.price)
  const current = sub.items.data[0]
  if (!priceId) return null
  const quantity = it.quantity ?? 1
  if (current && current.price.id === priceId && (current.quantity ?? 1) === quantity) return null
  const price = typeof it.price === "string" ? null : it.price
  const interval = price && !("deleted" in price && price.deleted) ? intervalOf((price as Stripe.Price).recurring?.interval) : null
  return { priceId, interval, quantity, at: new Date(next.start_date * 1000) }
}

const DURATIONS = ["once", "repeating", "forever"] as const

/**
 * The subscription's discount, from `discounts` read with `discounts.source.coupon` and
 * `discounts.promotion_code` expanded (lib/stripe/customers.ts). Stripe lists only discounts still in
 * force, so the first one whose coupon we can read is it (subkit applies one per subscription).
 */
export function activeDiscount(discounts: (string | Stripe.Discount)[] | null | undefined): DiscountState | null {
  for (const d of discounts ?? []) {
    if (typeof d === "string") continue
    const coupon = d.source.coupon
    if (!coupon || typeof coupon === "string") continue
    const duration = DURATIONS.find((x) => x === coupon.duration)
    if (!duration) continue
    const code = d.promotion_code && typeof d.promotion_code !== "string" ? d.promotion_code.code : null
    return {
      label: code ?? coupon.name ?? coupon.id,
      percentOff: coupon.percent_off,
      amountOff: coupon.amount_off,
      currency: coupon.currency,
      duration,
      endsAt: duration === "repeating" ? fromUnix(d.end) : null,
      couponId: coupon.id,
    }
  }
  return null
}

export function customerState(c: Stripe.Customer | Stripe.DeletedCustomer): CustomerState {
  if (c.deleted) return { id: c.id, deleted: true }
  return {
    id: c.id,
    deleted: false,
    email: c.email,
    name: c.name ?? null,
    address: addressOf(c.address),
    card: cardSummary(c.invoice_settings.default_payment_method),
    userId: c.metadata.user_id ?? null,
    livemode: c.livemode,
    cardFingerprint: cardFingerprintOf(c.invoice_settings.default_payment_method),
  }
}

/** The subscription an invoice belongs to (its `parent` at this API version). */
export function invoiceSubscriptionId(inv: Stripe.Invoice): string | null {
  return idOf(inv.parent?.subscription_details?.subscription ?? null)
}

const INVOICE_STATUSES = ["draft", "open", "paid", "uncollectible", "void"] as const

/** An invoice in the domain's words; tax is the sum of total_taxes (null when Stripe computed none). */
export function invoiceState(inv: Stripe.Invoice): InvoiceState {
  const taxes = inv.total_taxes ?? []
  const period = inv.lines.data[0]?.period
  return {
    id: inv.id ?? "",
    customerId: idOf(inv.customer) ?? "",
    subscriptionId: invoiceSubscriptionId(inv),
    number: inv.number ?? null,
    status: INVOICE_STATUSES.find((st) => st === inv.status) ?? "draft",
    amountDue: inv.amount_due,
    amountPaid: inv.amount_paid,
    tax: taxes.length ? taxes.reduce((s, t) => s + t.amount, 0) : null,
    reverseCharge: taxes.some((t) => t.taxability_reason === "reverse_charge"),
    total: inv.total,
    currency: inv.currency,
    created: new Date(inv.created * 1000),
    periodStart: fromUnix(period?.start ?? inv.period_start),
    periodEnd: fromUnix(period?.end ?? inv.period_end),
    hostedInvoiceUrl: inv.hosted_invoice_url ?? null,
    invoicePdf: inv.invoice_pdf ?? null,
    attemptCount: inv.attempt_count,
    nextPaymentAttempt: fromUnix(inv.next_payment_attempt),
  }
}
