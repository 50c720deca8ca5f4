// Checkout Sessions: open one for a subscription, read one back on the success page.
import "server-only"
import type { CheckoutSessionState } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"
import { fromUnix, idOf } from "./mappers"

export type SubscriptionCheckout = {
  customerId: string
  userId: string
  planId: string
  priceId: string
  /** Metered prices added beside the plan (usage billed in arrears from a Billing Meter; no quantity). */
  meteredPriceIds?: string[]
  quantity: number
  successUrl: string
  cancelUrl: string
  /** Days of free trial, only when the user is eligible (lib/billing/checkout/trial.ts). */
  trialDays?: number
  paymentMethodCollection: "always" | "if_required"
  /** trial_settings.end_behavior.missing_payment_method: a card-less trial's end (Stripe's default is create_invoice). */
  trialEndWithoutPaymentMethod: "cancel" | "pause" | "create_invoice"
  /** STRIPE_TAX: Stripe Tax on the session and the subscription it makes (address and VAT id collected). */
  automaticTax?: boolean
}

/**
 * Stripe Tax on Checkout: automatic_tax; the billing address always collected (it places the customer);
 * VAT ids collected (an EU business is reverse charged); the address and business name saved onto our
 * existing customer (customer_update: Stripe requires address=auto for a customer without an address,
 * name=auto for tax id collection), so later invoices and previews are taxed at the same place.
 */
export const CHECKOUT_TAX = {
  automatic_tax: { enabled: true },
  billing_address_collection: "required",
  tax_id_collection: { enabled: true },
  customer_update: { address: "auto", name: "auto" },
} as const

export async function createSubscriptionCheckout(c: SubscriptionCheckout): Promise<CheckoutSessionState> {
  const session = await stripeCall(() =>
    stripe.checkout.sessions.create({
      mode: "subscription",
      customer: c.customerId,
      client_reference_id: c.userId,
      line_items: [{ price: c.priceId, quantity: c.quantity }, ...(c.meteredPriceIds ?? []).map((price) => ({ price }))],
      subscription_data: {
        metadata: { user_id: c.userId, plan_id: c.planId },
        ...(c.trialDays
          ? {
              trial_period_days: c.trialDays,
              trial_settings: { end_behavior: { missing_payment_method: c.trialEndWithoutPaymentMethod } },
            }
          : {}),
      },
      payment_method_collection: c.paymentMethodCollection,
      metadata: { user_id: c.userId, plan_id: c.planId },
      allow_promotion_codes: true,
      ...(c.automaticTax ? CHECKOUT_TAX : {}),
      success_url: c.successUrl,
      cancel_url: c.cancelUrl,
    }),
  )
  return checkoutState(session)
}

export async function getCheckoutSession(id: string): Promise<CheckoutSessionState> {
  return checkoutState(await stripeCall(() => stripe.checkout.sessions.retrieve(id)))
}

/** Expires an open session so it can no longer be paid; one already complete or expired is left as it is. */
export async function expireCheckoutSession(id: string): Promise<CheckoutSessionState> {
  const current = await getCheckoutSession(id)
  if (current.status !== "open") return current
  return checkoutState(await stripeCall(() => stripe.checkout.sessions.expire(id)))
}

/** What the app keeps of a Checkout Session, whatever its mode (subscription or a credit pack). */
export function checkoutState(s: Awaited<ReturnType<typeof stripe.checkout.sessions.retrieve>>): CheckoutSessionState {
  return {
    id: s.id,
    url: s.url,
    status: s.status === "complete" ? "complete" : s.status === "expired" ? "expired" : "open",
    customerId: idOf(s.customer),
    userId: s.client_reference_id,
    expiresAt: fromUnix(s.expires_at),
  }
}
