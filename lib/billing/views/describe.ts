// Words for a subscription's state, shared by every page that shows one (pure: unit-tested).
import type { SubscriptionStatus } from "../types"
import type { DiscountState } from "../types"

/** A subscription's active discount, as stored (user_subscriptions.discount_*). */
export type DiscountTerms = DiscountState

export type Describable = {
  status: SubscriptionStatus
  planName: string
  perSeat: boolean
  quantity: number
  unitAmount: number | null
  currency: string | null
  interval: string | null
  cancelAtPeriodEnd: boolean
  cancelAt: Date | null
  currentPeriodEnd: Date | null
  endedAt: Date | null
  trialEnd: Date | null
  /** The discount on its invoices now, if any. */
  discount?: DiscountTerms | null
}

// One date format everywhere, the one Stripe's own pages use ("December 24, 2026"); UTC, so server
// rendering does not depend on the machine's time zone.
const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" })
export const formatDate = (d: Date) => DATE.format(d)

const BRANDS: Record<string, string> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  discover: "Discover",
  jcb: "JCB",
  unionpay: "UnionPay",
  diners: "Diners Club",
}

/** "Visa ending in 4242". */
export const cardLine = (card: { brand: string; last4: string }) => `${BRANDS[card.brand] ?? card.brand} ending in ${card.last4}`

export function formatMoney(cents: number, currency = "usd") {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100)
}

/** "$15.00 / month", or "$36.00 / month · 3 seats × $12.00". */
export function priceLine(s: Pick<Describable, "unitAmount" | "currency" | "interval" | "quantity" | "perSeat">) {
  if (s.unitAmount == null) return null
  const total = formatMoney(s.unitAmount * s.quantity, s.currency ?? "usd")
  const per = s.interval ? ` / ${s.interval}` : ""
  return s.perSeat || s.quantity > 1
    ? `${total}${per} · ${s.quantity} seats × ${formatMoney(s.unitAmount, s.currency ?? "usd")}`
    : `${total}${per}`
}

/** When a scheduled cancellation takes effect. */
export const endsOn = (s: Pick<Describable, "cancelAtPeriodEnd" | "cancelAt" | "currentPeriodEnd">) =>
  s.cancelAt ?? (s.cancelAtPeriodEnd ? s.currentPeriodEnd : null)

/** One sentence that says what is true now. */
export function headline(s: Describable): string {
  const plan = s.planName
  const seats = s.perSeat ? ` with ${s.quantity} seat${s.quantity === 1 ? "" : "s"}` : ""
  const ending = endsOn(s)
  switch (s.status) {
    case "canceled":
    case "incomplete_expired":
      return s.endedAt ? `Your ${plan} plan ended on ${formatDate(s.endedAt)}.` : `Your ${plan} plan has ended.`
    case "past_due":
      return `Your last payment for ${plan} failed. Update your payment method to keep your plan.`
    case "unpaid":
      return `Your ${plan} plan is unpaid and its features are paused. Update your payment method to restore it.`
    case "incomplete":
      return `Your first payment for ${plan} has not completed yet.`
    case "paused":
      return `Your ${plan} plan is paused.`
    case "trialing":
      if (ending) return `Your ${plan} trial ends on ${formatDate(ending)} and will not renew.`
      return `You're trying ${plan}${seats}. Your trial ends on ${s.trialEnd ? formatDate(s.trialEnd) : "soon"}.`
    case "active":
      if (ending) return `Your ${plan} plan ends on ${formatDate(ending)}.`
      return `You're on ${plan}${seats}.${s.currentPeriodEnd ? ` It renews on ${formatDate(s.currentPeriodEnd)}.` : ""}`
  }
}

/**
 * "WELCOME20: 20% off until March 25, 2027" (a repeating coupon: its discount's `end`), "…: 50% off your
 * next invoice" (once), "…: $5.00 off forever". Stripe takes the discount off the subscription at its end
 * (customer.discount.deleted), and the sync with it, so a page never shows one that has ended.
 */
export function discountLine(d: DiscountTerms): string {
  const off = d.percentOff != null ? `${d.percentOff}% off` : `${formatMoney(d.amountOff ?? 0, d.currency ?? "usd")} off`
  const span =
    d.duration === "forever"
      ? "forever"
      : d.duration === "once"
        ? "your next invoice"
        : d.endsAt
          ? `until ${formatDate(d.endsAt)}`
          : "for a limited time"
  return `${d.label}: ${off} ${span}`
}

/**
 * What the customer's invoice balance did on an invoice, for the history's amount column (issue 23, item 8):
 * a negative total (seats removed) went to the balance, not back to the card; a total above the amount due
 * was partly paid from a credit on the balance, so the card was charged less than the total. Null otherwise.
 */
export function balanceNote(i: { total: number; amountDue: number; currency: string }): string | null {
  if (i.total < 0) return "Credited to your balance"
  if (i.amountDue < i.total)
    return `${formatMoney(i.total - i.amountDue, i.currency)} from your credit, ${formatMoney(i.amountDue, i.currency)} charged`
  return null
}
