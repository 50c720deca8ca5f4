// Drives a subscription the way a customer does: the app's own startCheckout opens Checkout, then the
// emulator's hosted Checkout page is paid with a test card.
import type Stripe from "stripe"
import { startCheckout } from "@/lib/billing/checkout/start-checkout"
import { createUser, stripeClient } from "./helpers"

export async function planPrice(stripe: Stripe, key: string) {
  const [price] = (await stripe.prices.list({ lookup_keys: [key] })).data
  if (!price) throw new Error(`no price ${key}`)
  return price
}

/** A signed-up user who went through startCheckout and paid with `card` (Pro monthly unless told otherwise). */
export async function subscribedUser(
  opts: { card?: string; plan?: "pro" | "team"; interval?: "month" | "year"; seats?: number; promotionCode?: string } = {},
) {
  const stripe = stripeClient()
  const user = await createUser()
  const started = await startCheckout(user, {
    plan: opts.plan ?? "pro",
    interval: opts.interval ?? "month",
    ...(opts.seats ? { seats: opts.seats } : {}),
  })
  if (!started.ok) throw new Error(`startCheckout: ${started.message}`)
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(started.url)?.[1]
  if (!sessionId) throw new Error(`not a Checkout URL: ${started.url}`)
  if (opts.promotionCode) {
    // Hosted Checkout's "Add promotion code" form, as a customer would use it.
    const applied = await fetch(started.url, {
      method: "POST",
      body: new URLSearchParams({ promo_action: "apply", promotion_code: opts.promotionCode }),
    })
    if (applied.status !== 200) throw new Error(`promotion code ${opts.promotionCode} refused: ${applied.status}`)
  }
  const res = await fetch(started.url, {
    method: "POST",
    body: new URLSearchParams({ cardnumber: opts.card ?? "4242424242424242", exp: "12 / 34", cvc: "123" }),
    redirect: "manual",
  })
  if (res.status !== 303) throw new Error(`checkout failed: ${res.status}`)
  const done = await stripe.checkout.sessions.retrieve(sessionId)
  if (typeof done.subscription !== "string" || typeof done.customer !== "string")
    throw new Error("checkout completed without a subscription")
  return { user, customerId: done.customer, subscriptionId: done.subscription, sessionId, stripe }
}
