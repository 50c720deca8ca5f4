// The Stripe half of /api/health: the cheapest authenticated read any key that can run subkit may
// do, and its failure in one word (never the message: it can name the key's prefix or the host).
import "server-only"
import Stripe from "stripe"
import { stripe as defaultClient } from "./config"

export async function pingStripe(client: Stripe = defaultClient): Promise<void> {
  await client.products.list({ limit: 1 })
}

export function stripeFailureClass(err: unknown): "authentication_failed" | "unreachable" | "error" {
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError)
    return "authentication_failed"
  if (err instanceof Stripe.errors.StripeConnectionError) return "unreachable"
  return "error"
}
