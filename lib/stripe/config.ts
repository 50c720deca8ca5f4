// The one Stripe client, pinned to the API version of the installed SDK. STRIPE_API_BASE points the
// same SDK at another Stripe-compatible host (the offline emulator); nothing else differs.
import "server-only"
import Stripe from "stripe"
import { env } from "@/lib/env"
import { stripeOptions } from "./client-options"

const cache = globalThis as unknown as { subkitStripe?: Stripe }
export const stripe: Stripe = (cache.subkitStripe ??= new Stripe(env.stripeSecretKey, stripeOptions(env)))
