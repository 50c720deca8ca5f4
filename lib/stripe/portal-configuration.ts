// The Customer Portal configuration `npm run stripe:setup` created (or STRIPE_PORTAL_CONFIGURATION_ID).
import "server-only"
import { PORTAL_CONFIGURATION_KEY } from "@/lib/billing/catalog"
import { env } from "@/lib/env"
import { stripe } from "./config"

let cached: string | undefined

export async function getPortalConfigurationId(): Promise<string | null> {
  if (env.stripePortalConfigurationId) return env.stripePortalConfigurationId
  if (cached) return cached
  for await (const cfg of stripe.billingPortal.configurations.list({ active: true, limit: 100 })) {
    if (cfg.metadata?.subkit_key === PORTAL_CONFIGURATION_KEY) return (cached = cfg.id)
  }
  return null
}
