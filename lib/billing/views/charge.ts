// The one function every page states a subscription's next charge through (issue 23, item 8): what
// Stripe will charge and when, or that nothing more will be charged (pure: unit-tested). The amount is
// Stripe's invoice preview (user_subscriptions.upcoming_*, read by the sync: lib/stripe/customers.ts)
// whenever anything but price × quantity could be on the invoice: a discount, a scheduled plan change,
// tax, a balance on the customer (a seat removed mid-period). Price × quantity only where nothing else will be charged; otherwise, before the sync
// has read the preview, the amount is not stated at all ("unknown") rather than stated wrong.
import type { SubscriptionStatus } from "../types"
import { formatDate, formatMoney } from "./describe"

export type ChargeFacts = {
  status: SubscriptionStatus
  quantity: number
  unitAmount: number | null
  currency: string | null
  cancelAtPeriodEnd: boolean
  cancelAt: Date | null
  currentPeriodEnd: Date | null
  trialEnd: Date | null
  /** A discount is on the subscription now. */
  discount: unknown
  /** A plan change waits for the period's end (a schedule's next phase). */
  scheduledChange: unknown
  /** Stripe's preview of the next invoice, as the sync stored it. */
  upcomingAmount?: number | null
  upcomingCurrency?: string | null
  upcomingAt?: Date | null
}

export type NextCharge =
  /** It ends (a cancellation is scheduled) or has ended: nothing more is charged. */
  | { kind: "none" }
  | { kind: "charge"; amount: number; currency: string; at: Date | null; from: "preview" | "price" }
  /** Not stated: a preview is needed and the sync has not read one yet, or it is not renewing (past due, paused). */
  | { kind: "unknown" }

/** Will it be charged again: trialing or active, with no cancellation scheduled. */
export const willRenew = (s: Pick<ChargeFacts, "status" | "cancelAtPeriodEnd" | "cancelAt">) =>
  (s.status === "trialing" || s.status === "active") && !s.cancelAtPeriodEnd && !s.cancelAt

/**
 * Price × quantity is what Stripe charges next only with no discount, no scheduled change and no tax
 * (`tax`: STRIPE_TAX is on). The sync also knows of a balance on the customer that the next invoice draws
 * on (a seat removed mid-period is a credit there, which can outlast a renewal: `balance`), which a page
 * cannot see on the row.
 */
export const priceIsExact = (s: Pick<ChargeFacts, "discount" | "scheduledChange">, tax: boolean) =>
  s.discount == null && s.scheduledChange == null && !tax

/** Whether the sync must read Stripe's preview for the subscription: it renews and price × quantity could be wrong. */
export const needsPreview = (
  s: Pick<ChargeFacts, "status" | "cancelAtPeriodEnd" | "cancelAt" | "discount" | "scheduledChange">,
  tax: boolean,
  balance = false,
) => willRenew(s) && (balance || !priceIsExact(s, tax))

/** What Stripe charges next for the subscription, and when. `tax`: STRIPE_TAX is on. */
export function nextCharge(s: ChargeFacts, tax: boolean): NextCharge {
  const endsFirst = s.cancelAt != null && (s.currentPeriodEnd == null || s.cancelAt <= s.currentPeriodEnd)
  if (s.cancelAtPeriodEnd || endsFirst || s.status === "canceled" || s.status === "incomplete_expired") return { kind: "none" }
  // Past due, unpaid, paused, incomplete: what is owed is the open invoice (the invoice list states it).
  if (!willRenew(s)) return { kind: "unknown" }
  const at = s.status === "trialing" ? s.trialEnd : s.currentPeriodEnd
  if (s.upcomingAmount != null)
    return {
      kind: "charge",
      amount: s.upcomingAmount,
      currency: s.upcomingCurrency ?? s.currency ?? "usd",
      at: s.upcomingAt ?? at,
      from: "preview",
    }
  if (!priceIsExact(s, tax) || s.unitAmount == null) return { kind: "unknown" }
  return { kind: "charge", amount: s.unitAmount * s.quantity, currency: s.currency ?? "usd", at, from: "price" }
}

/** "$12.00", or null when no amount can be stated. */
export const chargeAmount = (c: NextCharge) => (c.kind === "charge" ? formatMoney(c.amount, c.currency) : null)

/** "$12.00 on January 3, 2027". */
export const chargeLine = (c: NextCharge) =>
  c.kind === "charge" ? `${formatMoney(c.amount, c.currency)}${c.at ? ` on ${formatDate(c.at)}` : ""}` : null
