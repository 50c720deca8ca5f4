// The Customer Portal configuration as code: what stripe:setup creates, and the per-team variants the
// app creates on demand (the minimum seat count raised to the team's member count). No "server-only":
// the setup script imports it too.
import type Stripe from "stripe"
import { CATALOG, PORTAL_CONFIGURATION_KEY, type CatalogPlan, type Interval } from "../billing/catalog"

const CANCEL_REASONS = [
  "too_expensive",
  "missing_features",
  "switched_service",
  "unused",
  "customer_service",
  "too_complex",
  "low_quality",
  "other",
] as const

/** Stripe price ids per plan and interval. */
export type PlanPrices = Record<string, Record<Interval, string>>

/** A plan's Stripe ids, which setupStripe has made before anything reads them. */
export function idsOf(plan: CatalogPlan, productIds: Record<string, string>, prices: PlanPrices) {
  const product = productIds[plan.id]
  const price = prices[plan.id]
  if (!product || !price) throw new Error(`stripe:setup: plan ${plan.id} has no Stripe product or prices`)
  return { product, month: price.month, year: price.year }
}

/** The tag a configuration carries in metadata.subkit_key: the default, or the variant for a minimum seat count. */
export const portalConfigurationKey = (minSeats?: number, maxSeats?: number) =>
  (minSeats ? `${PORTAL_CONFIGURATION_KEY}:min_seats_${minSeats}` : PORTAL_CONFIGURATION_KEY) + (maxSeats ? `:max_seats_${maxSeats}` : "")

/**
 * `minSeats` raises the per-seat plan's minimum quantity (a team owner may not go below their member
 * count in the portal); undefined gives the default configuration.
 */
export function portalParams(
  appUrl: string,
  productIds: Record<string, string>,
  prices: PlanPrices,
  minSeats?: number,
  /** Caps the per-seat plan's quantity (a Team trial: TRIAL_MAX_SEATS). */
  maxSeats?: number,
) {
  return {
    business_profile: {
      headline: "subkit: manage your plan, payment method and invoices",
      privacy_policy_url: `${appUrl}/legal/privacy`,
      terms_of_service_url: `${appUrl}/legal/terms`,
    },
    default_return_url: `${appUrl}/subscription/portal-return`,
    features: {
      customer_update: {
        enabled: true,
        allowed_updates: [
          "email",
          "name",
          "address",
          "shipping",
          // VAT ids, editable by the customer (an EU business is reverse charged under Stripe Tax).
          "tax_id",
        ] as Stripe.BillingPortal.ConfigurationCreateParams.Features.CustomerUpdate.AllowedUpdate[],
      },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_cancel: {
        enabled: true,
        mode: "at_period_end" as const,
        proration_behavior: "none" as const,
        cancellation_reason: { enabled: true, options: [...CANCEL_REASONS] },
      },
      subscription_update: {
        enabled: true,
        // Customers may redeem a promotion code when they update (and see their discount) in the portal.
        // The code's own restrictions are what stop re-entering it at every change: the sample WELCOME20 is
        // first_time_transaction, which a subscriber (any paid invoice, a trial's $0 one too) never passes.
        default_allowed_updates: ["price", "quantity", "promotion_code"] as ("price" | "quantity" | "promotion_code")[],
        proration_behavior: "always_invoice" as const,
        // Seats change only within what the pricing page sells: Pro is one seat, Team its seat range.
        products: CATALOG.map((p) => {
          const ids = idsOf(p, productIds, prices)
          return { product: ids.product, prices: [ids.month, ids.year], adjustable_quantity: adjustableQuantity(p, minSeats, maxSeats) }
        }),
      },
    },
    metadata: { subkit_key: portalConfigurationKey(minSeats, maxSeats) },
  } satisfies Stripe.BillingPortal.ConfigurationCreateParams
}

export function adjustableQuantity(
  plan: CatalogPlan,
  minSeats = 0,
  maxSeats?: number,
): { enabled: boolean; minimum?: number; maximum?: number } {
  const maximum = Math.min(plan.maxSeats, maxSeats ?? plan.maxSeats)
  return plan.perSeat && plan.maxSeats > plan.minSeats
    ? { enabled: true, minimum: Math.min(maximum, Math.max(plan.minSeats, minSeats)), maximum }
    : { enabled: false }
}
