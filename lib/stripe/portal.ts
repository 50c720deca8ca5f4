// Customer Portal sessions, with the configuration `npm run stripe:setup` created.
import "server-only"
import { PORTAL_CONFIGURATION_KEY } from "@/lib/billing/catalog"
import type { PortalFlowRequest } from "@/lib/billing/types"
import { env } from "@/lib/env"
import { stripe } from "./config"
import { stripeCall } from "./errors"

let cachedConfiguration: string | undefined

/** STRIPE_PORTAL_CONFIGURATION_ID, else the configuration tagged by stripe:setup (looked up once per process). */
export async function getPortalConfigurationId(): Promise<string | null> {
  if (env.stripePortalConfigurationId) return env.stripePortalConfigurationId
  if (cachedConfiguration) return cachedConfiguration
  return stripeCall(async () => {
    for await (const cfg of stripe.billingPortal.configurations.list({ active: true, limit: 100 })) {
      if (cfg.metadata?.subkit_key === PORTAL_CONFIGURATION_KEY) return (cachedConfiguration = cfg.id)
    }
    return null
  })
}

/** One Stripe call: the customer comes from our mapping, never from the request. */
export async function createPortalSession(p: { customerId: string; configuration: string; returnUrl: string; flow?: PortalFlowRequest }) {
  const after = (returnUrl: string) => ({ type: "redirect" as const, redirect: { return_url: returnUrl } })
  const flow = p.flow
  const session = await stripeCall(() =>
    stripe.billingPortal.sessions.create({
      customer: p.customerId,
      return_url: p.returnUrl,
      configuration: p.configuration,
      ...(flow?.type === "payment_method_update" ? { flow_data: { type: flow.type, after_completion: after(flow.afterUrl) } } : {}),
      ...(flow?.type === "subscription_cancel"
        ? {
            flow_data: {
              type: flow.type,
              subscription_cancel: { subscription: flow.subscriptionId },
              after_completion: after(flow.afterUrl),
            },
          }
        : {}),
      ...(flow?.type === "subscription_update"
        ? {
            flow_data: {
              type: flow.type,
              subscription_update: { subscription: flow.subscriptionId },
              after_completion: after(flow.afterUrl),
            },
          }
        : {}),
    }),
  )
  return { id: session.id, url: session.url }
}
