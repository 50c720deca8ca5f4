// Seat changes of a per-seat subscription: the proration preview (invoices.createPreview) and the
// update that bills exactly what was previewed (the same proration_date, always_invoice).
import "server-only"
import type { SeatChange, SeatPreview } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"

/**
 * The subscription (its item and current quantity), then two previews at once: the change billed now
 * as of Stripe's "now", and the next renewal at the new quantity. Both amounts are Stripe's, discounts
 * and all (a proration's amount has the discount folded in; the renewal's is judged at its date). The
 * moment is read back from the proration lines (their period starts at the proration date), not from
 * this machine's clock: a customer on a test clock lives at the clock's time. `renewal: false` (the
 * confirm's check) skips the second preview.
 */
export async function previewSeatChange(subscriptionId: string, quantity: number, opts: { renewal?: boolean } = {}): Promise<SeatPreview> {
  const sub = await stripeCall(() => stripe.subscriptions.retrieve(subscriptionId))
  const item = sub.items.data[0]
  if (!item) throw new Error(`subscription ${subscriptionId} has no items`)
  const items = [{ id: item.id, quantity }]
  const [invoice, renewal] = await Promise.all([
    stripeCall(() =>
      stripe.invoices.createPreview({
        subscription: subscriptionId,
        subscription_details: { items, proration_behavior: "always_invoice" },
      }),
    ),
    opts.renewal === false
      ? null
      : stripeCall(() =>
          stripe.invoices.createPreview({ subscription: subscriptionId, subscription_details: { items, proration_behavior: "none" } }),
        ),
  ])
  const proration = invoice.lines.data.find((l) => l.parent?.subscription_item_details?.proration)
  return {
    itemId: item.id,
    currentQuantity: item.quantity ?? 1,
    quantity,
    prorationDate: proration?.period.start ?? invoice.created,
    amountDue: invoice.total,
    currency: invoice.currency,
    lines: invoice.lines.data.map((l) => ({ description: l.description ?? "", amount: l.amount })),
    nextRenewal: renewal
      ? { amount: renewal.total, at: new Date((renewal.lines.data[0]?.period.start ?? item.current_period_end) * 1000) }
      : null,
  }
}

/** One call; the idempotency key makes a double-submitted confirm one change. */
export async function changeSeats(change: SeatChange): Promise<void> {
  await stripeCall(() =>
    stripe.subscriptions.update(
      change.subscriptionId,
      {
        items: [{ id: change.itemId, quantity: change.quantity }],
        proration_behavior: "always_invoice",
        proration_date: change.prorationDate,
      },
      { idempotencyKey: `subkit-seats-${change.subscriptionId}-${change.itemId}-${change.quantity}-${change.prorationDate}` },
    ),
  )
}
