// Seat changes of a per-seat subscription: the proration preview (invoices.createPreview) and the
// update that bills exactly what was previewed (the same proration_date, always_invoice).
import "server-only"
import type Stripe from "stripe"
import type { SeatChange, SeatChangeCheck, SeatPreview } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"
import { planItem } from "./mappers"

/** The subscription's plan item (its id, quantity and period), read from Stripe; a metered item beside it is left alone. */
async function itemOf(subscriptionId: string): Promise<Stripe.SubscriptionItem> {
  const sub = await stripeCall(() => stripe.subscriptions.retrieve(subscriptionId))
  const item = planItem(sub)
  if (!item) throw new Error(`subscription ${subscriptionId} has no items`)
  return item
}

/**
 * The moment a preview prorates from: its proration lines start there. Read from Stripe, not this
 * machine's clock: a customer on a test clock lives at the clock's time.
 */
const prorationMoment = (invoice: Stripe.Invoice) =>
  invoice.lines.data.find((l) => l.parent?.subscription_item_details?.proration)?.period.start ?? invoice.created

/**
 * The customer's invoice balance once the change's invoice is finalized, as Stripe applies it: the
 * invoice draws on the balance it starts with (starting_balance) and a negative total (seats removed)
 * adds its credit; what is left over, never above 0, is what the next invoice draws on.
 */
const balanceAfter = (invoice: Stripe.Invoice) => Math.min(0, invoice.starting_balance + invoice.total)

/**
 * The item, then two previews at once: the change billed now as of Stripe's "now", and the next renewal
 * at the new quantity. Both amounts are Stripe's, discounts and all (a proration's amount has the
 * discount folded in; the renewal's is judged at its date).
 */
export async function previewSeatChange(subscriptionId: string, quantity: number): Promise<SeatPreview> {
  const item = await itemOf(subscriptionId)
  const items = [{ id: item.id, quantity }]
  const [invoice, renewal] = await Promise.all([
    stripeCall(() =>
      stripe.invoices.createPreview({
        subscription: subscriptionId,
        subscription_details: { items, proration_behavior: "always_invoice" },
      }),
    ),
    stripeCall(() =>
      stripe.invoices.createPreview({ subscription: subscriptionId, subscription_details: { items, proration_behavior: "none" } }),
    ),
  ])
  return {
    itemId: item.id,
    currentQuantity: item.quantity ?? 1,
    quantity,
    prorationDate: prorationMoment(invoice),
    amountDue: invoice.total,
    chargedNow: invoice.amount_due,
    creditedNow: Math.max(0, -invoice.total - Math.max(0, invoice.starting_balance)),
    currency: invoice.currency,
    lines: invoice.lines.data.map((l) => ({ description: l.description ?? "", amount: l.amount })),
    nextRenewal: {
      amount: renewal.total,
      charged: Math.max(0, renewal.total + balanceAfter(invoice)),
      at: new Date((renewal.lines.data[0]?.period.start ?? item.current_period_end) * 1000),
    },
  }
}

/**
 * What a confirm checks before billing, in three calls (the last two at once): the item and its quantity
 * now, Stripe's "now" (a preview without a date), and the amount the change costs as of the previewed
 * moment `at` (the same preview the owner saw, if nothing changed since).
 */
export async function seatChangeNow(subscriptionId: string, quantity: number, at: number): Promise<SeatChangeCheck> {
  const item = await itemOf(subscriptionId)
  const details = { items: [{ id: item.id, quantity }], proration_behavior: "always_invoice" as const }
  const [now, then] = await Promise.all([
    stripeCall(() => stripe.invoices.createPreview({ subscription: subscriptionId, subscription_details: details })),
    stripeCall(() =>
      stripe.invoices.createPreview({ subscription: subscriptionId, subscription_details: { ...details, proration_date: at } }),
    ),
  ])
  return { itemId: item.id, currentQuantity: item.quantity ?? 1, stripeNow: prorationMoment(now), amountDue: then.total }
}

/**
 * One call, refused by Stripe (402, nothing changed) when the card on file does not pay the proration
 * invoice: without error_if_incomplete the seats would be added and the subscription left past_due.
 * The idempotency key makes a double-submitted confirm one change.
 */
export async function changeSeats(change: SeatChange): Promise<void> {
  await stripeCall(() =>
    stripe.subscriptions.update(
      change.subscriptionId,
      {
        items: [{ id: change.itemId, quantity: change.quantity }],
        proration_behavior: "always_invoice",
        proration_date: change.prorationDate,
        payment_behavior: "error_if_incomplete",
      },
      {
        idempotencyKey: `subkit-seats-${change.subscriptionId}-${change.itemId}-${change.fromQuantity}-${change.quantity}-${change.prorationDate}`,
      },
    ),
  )
}

/** Ends a subscription's trial now (Stripe bills its first period at once); idempotent per subscription. */
export async function endTrialNow(subscriptionId: string): Promise<void> {
  await stripeCall(() =>
    stripe.subscriptions.update(subscriptionId, { trial_end: "now" }, { idempotencyKey: `subkit-end-trial-${subscriptionId}` }),
  )
}
