// Prepaid credits: the Checkout (mode=payment) that sells a pack, the credit grant the drain makes for a
// paid one, and the customer's balance on metered prices (billing.creditBalanceSummary).
import "server-only"
import type { CheckoutSessionState } from "@/lib/billing/types"
import { CHECKOUT_TAX, checkoutState } from "./checkout"
import { stripe } from "./config"
import { CREDIT_PACK_METADATA_KEY } from "./credits-metadata"
import { stripeCall } from "./errors"

export type CreditCheckout = {
  customerId: string
  userId: string
  packId: string
  priceId: string
  successUrl: string
  cancelUrl: string
  /** STRIPE_TAX: Stripe Tax on the pack, the address (and a VAT id) collected as on a subscription's Checkout. */
  automaticTax?: boolean
}

export async function createCreditCheckout(c: CreditCheckout): Promise<CheckoutSessionState> {
  const metadata = { user_id: c.userId, [CREDIT_PACK_METADATA_KEY]: c.packId }
  const s = await stripeCall(() =>
    stripe.checkout.sessions.create({
      mode: "payment",
      customer: c.customerId,
      client_reference_id: c.userId,
      line_items: [{ price: c.priceId, quantity: 1 }],
      metadata,
      payment_intent_data: { metadata },
      success_url: c.successUrl,
      cancel_url: c.cancelUrl,
      ...(c.automaticTax ? CHECKOUT_TAX : {}),
    }),
  )
  return checkoutState(s)
}

/**
 * A paid credit grant on metered prices. The idempotency key is the Checkout Session's id: a retry after a
 * timeout, or a second drain, gets the same grant back instead of a second one (Stripe keeps keys 24 h;
 * credit_purchases, unique on the session, keeps it once beyond that).
 */
export async function createCreditGrant(g: {
  customerId: string
  sessionId: string
  name: string
  cents: number
  currency: string
  expiresAt: Date
  metadata: Record<string, string>
}): Promise<string> {
  const grant = await stripeCall(() =>
    stripe.billing.creditGrants.create(
      {
        customer: g.customerId,
        name: g.name,
        category: "paid",
        amount: { type: "monetary", monetary: { currency: g.currency, value: g.cents } },
        applicability_config: { scope: { price_type: "metered" } },
        expires_at: Math.floor(g.expiresAt.getTime() / 1000),
        metadata: g.metadata,
      },
      { idempotencyKey: `subkit-credit-grant-${g.sessionId}` },
    ),
  )
  return grant.id
}

/** The customer's available credit on metered prices (the balance summary of that applicability scope). */
export async function readCreditBalance(customerId: string): Promise<{ cents: number; currency: string }> {
  const summary = await stripeCall(() =>
    stripe.billing.creditBalanceSummaries.retrieve({
      customer: customerId,
      filter: { type: "applicability_scope", applicability_scope: { price_type: "metered" } },
    }),
  )
  const [first] = summary.balances
  return { cents: first?.available_balance.monetary?.value ?? 0, currency: first?.available_balance.monetary?.currency ?? "usd" }
}
