// Options for the official `stripe` SDK from our configuration (shared by the app and the scripts).
import type Stripe from "stripe"
import type { Env } from "@/lib/env"

export const STRIPE_API_VERSION = "2026-10-28.endive" as const

export function stripeOptions(env: Pick<Env, "stripeApiBase">): Stripe.StripeConfig {
  const base = env.stripeApiBase ? new URL(env.stripeApiBase) : undefined
  return {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 15_000,
    appInfo: { name: "subkit", version: "0.1.0" },
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          protocol: base.protocol === "https:" ? "https" : "http",
        }
      : {}),
  }
}
