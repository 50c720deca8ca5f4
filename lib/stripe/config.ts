// The one Stripe client, pinned to the API version of the installed SDK. STRIPE_API_BASE points the
// same SDK at another Stripe-compatible host (the offline emulator); nothing else differs.
import "server-only"
import Stripe from "stripe"
import { env } from "@/lib/env"

export const STRIPE_API_VERSION = "2026-10-28.endive" as const

function createStripe() {
  const base = env.stripeApiBase ? new URL(env.stripeApiBase) : undefined
  return new Stripe(env.stripeSecretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 15_000,
    appInfo: { name: "subkit", version: "0.1.0" },
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === "https:" ? 443 : 80), protocol: base.protocol === "https:" ? "https" : "http" } : {}),
  })
}

const cache = globalThis as unknown as { subkitStripe?: Stripe }
export const stripe: Stripe = (cache.subkitStripe ??= createStripe())
