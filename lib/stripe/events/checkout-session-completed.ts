// checkout.session.completed: the first sight of a new subscription. The customer mapping is written
// before Checkout opens; a Checkout created elsewhere for one of our users is linked here, but only
// when client_reference_id is a user id and the session's metadata names the same user.
import type Stripe from "stripe"
import { CREDIT_PACKS, isCreditPackId } from "@/lib/billing/catalog"
import type { EventIntent } from "@/lib/billing/types"
import { CREDIT_PACK_METADATA_KEY } from "../credits-metadata"
import { idOf } from "../mappers"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function checkoutCompletedIntent(event: Stripe.CheckoutSessionCompletedEvent): EventIntent {
  const session = event.data.object
  if (session.mode === "payment") return creditPackIntent(event)
  if (session.mode !== "subscription") return { kind: "ignore", outcome: "ignored_not_subscription" }
  const customerId = idOf(session.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  const sync: EventIntent = {
    kind: "sync",
    customerId,
    needs: { customer: true, subscriptions: true },
    subscriptionId: idOf(session.subscription) ?? undefined,
    checkoutSession: { id: session.id, status: "complete" },
  }
  const reference = session.client_reference_id
  if (!reference) return sync
  if (!UUID.test(reference)) return { ...sync, refusedLink: "client_reference_id is not a user id" }
  if (session.metadata?.user_id !== reference) return { ...sync, refusedLink: "client_reference_id and metadata.user_id disagree" }
  return { ...sync, link: { userId: reference } }
}

/**
 * A credit pack's Checkout (mode=payment, metadata.credit_pack): paid (card payments settle at once;
 * delayed methods are not offered) for exactly the pack's price (plus any tax), it becomes a credit purchase the drain
 * records and grants. Anything else is recorded as ignored with the reason.
 */
function creditPackIntent(event: Stripe.CheckoutSessionCompletedEvent): EventIntent {
  const session = event.data.object
  const packId = session.metadata?.[CREDIT_PACK_METADATA_KEY] ?? ""
  if (!isCreditPackId(packId)) return { kind: "ignore", outcome: "ignored_not_credit_pack" }
  const customerId = idOf(session.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  if (session.payment_status !== "paid") return { kind: "ignore", outcome: `ignored_credit_pack_${session.payment_status}` }
  const pack = CREDIT_PACKS[packId]
  // The pack's price before tax (Stripe Tax adds its own on top, STRIPE_TAX), with nothing taken off.
  if (
    session.amount_total == null ||
    session.amount_subtotal !== pack.priceCents ||
    (session.total_details?.amount_discount ?? 0) !== 0 ||
    session.currency !== pack.currency
  )
    return { kind: "ignore", outcome: "ignored_credit_pack_amount_mismatch" }
  return {
    kind: "sync",
    customerId,
    needs: { customer: false, subscriptions: false },
    checkoutSession: { id: session.id, status: "complete" },
    creditPurchase: {
      sessionId: session.id,
      packId,
      amountPaid: session.amount_total,
      currency: session.currency,
      paidAt: new Date(event.created * 1000),
    },
  }
}
