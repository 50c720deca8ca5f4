// Seat changes of a per-seat subscription: the proration preview (invoices.createPreview) and the
// update that bills exactly what was previewed (the same proration_date, always_invoice).
import "server-only"
import type { SeatChange, SeatPreview } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"

/** Two calls: the subscription (its item and current quantity), then the preview of the change. */
export async function previewSeatChange(subscriptionId: string, quantity: number): Promise<SeatPreview> {
  const sub = await stripeCall(() => stripe.subscriptions.retrieve(subscriptionId))
  const item = sub.items.data[0]
  if (!item) throw new Error(`subscription ${subscriptionId} has no items`)
  // Stripe refuses a proration_date outside the current period, which on a test clock (or the emulator's
  // advanced clock) is in that clock's time, not ours: now is kept inside it.
  const prorationDate = Math.min(Math.max(Math.floor(Date.now() / 1000), item.current_period_start), item.current_period_end - 1)
  const invoice = await stripeCall(() =>
    stripe.invoices.createPreview({
      subscription: subscriptionId,
      subscription_details: { items: [{ id: item.id, quantity }], proration_behavior: "always_invoice", proration_date: prorationDate },
    }),
  )
  return {
    itemId: item.id,
    currentQuantity: item.quantity ?? 1,
    quantity,
    prorationDate,
    amountDue: invoice.total,
    currency: invoice.currency,
    lines: invoice.lines.data.map((l) => ({ description: l.description ?? "", amount: l.amount })),
    nextRenewal: { amount: (item.price.unit_amount ?? 0) * quantity, at: new Date(item.current_period_end * 1000) },
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
