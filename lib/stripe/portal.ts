// Customer Portal sessions, with the configuration `npm run stripe:setup` created.
import "server-only"
import { createHash } from "node:crypto"
import { PORTAL_CONFIGURATION_KEY } from "@/lib/billing/catalog"
import type { PortalFlowRequest } from "@/lib/billing/types"
import { env } from "@/lib/env"
import { stripe } from "./config"
import { stripeCall } from "./errors"
import { portalParams, type PlanPrices } from "./portal-configuration"

let cachedConfiguration: string | undefined
const cachedVariants = new Map<string, string>()

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

/**
 * The portal configuration for a team owner: the default one with the per-seat plan's minimum raised to
 * `minSeats`, so the portal cannot take the team below its member count. Made on first need and found
 * by its tag after that (the tag hashes the parameters, so a changed default makes a fresh variant);
 * the idempotency key keeps two instances racing to one configuration.
 */
export async function getMinSeatsPortalConfigurationId(
  minSeats: number,
  ids: { productIds: Record<string, string>; prices: PlanPrices },
  maxSeats?: number,
): Promise<string> {
  const params = portalParams(env.appUrl, ids.productIds, ids.prices, minSeats, maxSeats)
  const digest = createHash("sha256").update(JSON.stringify(params)).digest("hex").slice(0, 12)
  const key = `${params.metadata.subkit_key}:${digest}`
  const cached = cachedVariants.get(key)
  if (cached) return cached
  return stripeCall(async () => {
    for await (const cfg of stripe.billingPortal.configurations.list({ active: true, limit: 100 })) {
      if (cfg.metadata?.subkit_key === key) {
        cachedVariants.set(key, cfg.id)
        return cfg.id
      }
    }
    const created = await stripe.billingPortal.configurations.create(
      { ...params, metadata: { subkit_key: key } },
      { idempotencyKey: `subkit-portal-${key}` },
    )
    cachedVariants.set(key, created.id)
    return created.id
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
              subscription_cancel: {
                subscription: flow.subscriptionId,
                // The catalog's retention coupon, offered before the customer confirms (once per customer).
                ...(flow.retentionCouponId
                  ? { retention: { type: "coupon_offer" as const, coupon_offer: { coupon: flow.retentionCouponId } } }
                  : {}),
              },
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
  return { id: session.id, url: session.url, retentionCouponId: session.flow?.subscription_cancel?.retention?.coupon_offer?.coupon ?? null }
}
