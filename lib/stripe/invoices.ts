// Open subscription invoices, and paying them now (dunning: a new card should not wait for Stripe's next retry).
import "server-only"
import { BillingProviderError, type InvoiceState } from "@/lib/billing/types"
import { invoiceState } from "./mappers"
import { stripe } from "./config"
import { stripeCall } from "./errors"

/** The customer's open invoices that belong to a subscription (one page: a past_due customer has a few). */
export async function openSubscriptionInvoices(customerId: string): Promise<{ id: string; attemptCount: number }[]> {
  const page = await stripeCall(() => stripe.invoices.list({ customer: customerId, status: "open", limit: 100 }))
  return page.data
    .filter((i) => i.parent?.subscription_details?.subscription)
    .flatMap((i) => (i.id ? [{ id: i.id, attemptCount: i.attempt_count }] : []))
}

/**
 * One payment attempt with the customer's default card. The key names the attempt, so a drain that
 * retries after a lost response does not charge twice; a later card change makes a new attempt.
 */
export async function payInvoice(invoiceId: string, attemptCount: number): Promise<"paid" | "declined"> {
  try {
    const inv = await stripeCall(() => stripe.invoices.pay(invoiceId, {}, { idempotencyKey: `subkit-pay-${invoiceId}-${attemptCount}` }))
    return inv.status === "paid" ? "paid" : "declined"
  } catch (err) {
    if (err instanceof BillingProviderError && err.kind === "declined") return "declined"
    throw err
  }
}

/**
 * What the subscription's next invoice will bill for metered usage so far, from Stripe's preview
 * (invoices.createPreview: the usage lines priced by the metered price's tiers, less the credits that
 * would apply). null when the subscription has no metered item.
 */
export async function previewUsageCharge(subscriptionId: string): Promise<{ cents: number; credits: number } | null> {
  const sub = await stripeCall(() => stripe.subscriptions.retrieve(subscriptionId))
  const metered = new Set(sub.items.data.filter((i) => i.price.recurring?.usage_type === "metered").map((i) => i.id))
  if (!metered.size) return null
  const preview = await stripeCall(() => stripe.invoices.createPreview({ subscription: subscriptionId }))
  let cents = 0
  let credits = 0
  for (const l of preview.lines.data) {
    if (!metered.has(l.parent?.subscription_item_details?.subscription_item ?? "")) continue
    cents += l.amount
    credits += (l.pretax_credit_amounts ?? []).filter((c) => c.type === "credit_balance_transaction").reduce((s, c) => s + c.amount, 0)
  }
  return { cents, credits }
}

/**
 * The invoices as Stripe has them now: the customer's latest (one call, however many invoice events a
 * burst has), plus any named invoice older than that page, one call each (a deleted draft is left out).
 */
export async function readInvoices(customerId: string, ids: string[]): Promise<InvoiceState[]> {
  const page = await stripeCall(() => stripe.invoices.list({ customer: customerId, limit: 20 }))
  const out = page.data.map(invoiceState)
  for (const id of new Set(ids)) {
    if (out.some((i) => i.id === id)) continue
    try {
      out.push(invoiceState(await stripeCall(() => stripe.invoices.retrieve(id))))
    } catch (err) {
      if (err instanceof BillingProviderError && err.kind === "not_found") continue
      throw err
    }
  }
  return out
}
