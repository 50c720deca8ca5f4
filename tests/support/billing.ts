// Drives a subscription through the Stripe emulator the way a customer would.
import type Stripe from "stripe"
import { getOrCreateBillingCustomer } from "@/lib/billing/customer"
import { createUser, stripeClient } from "./helpers"

export async function planPrice(stripe: Stripe, key: string) {
  const [price] = (await stripe.prices.list({ lookup_keys: [key] })).data
  if (!price) throw new Error(`no price ${key}`)
  return price
}

/** A signed-up user with a customer mapping who completed Checkout with `card`. */
export async function subscribedUser(opts: { card?: string; lookupKey?: string; quantity?: number } = {}) {
  const stripe = stripeClient()
  const user = await createUser()
  const customerId = await getOrCreateBillingCustomer(user.id, user.email)
  const price = await planPrice(stripe, opts.lookupKey ?? "subkit_pro_monthly")
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customerId,
    client_reference_id: user.id,
    line_items: [{ price: price.id, quantity: opts.quantity ?? 1 }],
    subscription_data: { metadata: { user_id: user.id } },
    success_url: "http://localhost:3999/subscription/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:3999/pricing",
  })
  const res = await fetch(session.url!, { method: "POST", body: new URLSearchParams({ cardnumber: opts.card ?? "4242424242424242", exp: "12 / 34", cvc: "123" }), redirect: "manual" })
  if (res.status !== 303) throw new Error(`checkout failed: ${res.status}`)
  const done = await stripe.checkout.sessions.retrieve(session.id)
  return { user, customerId, subscriptionId: done.subscription as string, sessionId: session.id, stripe }
}
