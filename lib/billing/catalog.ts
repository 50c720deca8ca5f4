// The plan catalog as code. `npm run stripe:setup` makes Stripe and subscription_plans match it.
export type Interval = "month" | "year"

/**
 * What plans can unlock: Stripe Entitlements features (lookup key → name). `stripe:setup` creates them
 * and attaches each plan's to its product; hasEntitlement (lib/billing/views/entitlements.ts) asks by key.
 *
 * Changing a plan's `entitlements` (then `npm run stripe:setup`) reaches new subscriptions at once but
 * existing subscribers only at their next renewal: Stripe grants each subscription its product's features
 * as they were at the start of its current billing period, up to a year on a yearly plan.
 */
export const FEATURES = {
  unlimited_projects: "Unlimited projects",
  advanced_analytics: "Advanced analytics",
  priority_support: "Priority email support",
  shared_workspaces: "Shared workspaces",
  audit_log: "SSO-ready audit log",
} as const
export type FeatureKey = keyof typeof FEATURES

export type CatalogPlan = {
  id: "pro" | "team"
  name: string
  description: string
  features: string[]
  /** The Stripe Entitlements features a subscription to this plan grants (a change: see FEATURES). */
  entitlements: FeatureKey[]
  perSeat: boolean
  /** Unit amounts in cents; per seat when perSeat. */
  amounts: Record<Interval, number>
  currency: "usd"
  sortOrder: number
  minSeats: number
  maxSeats: number
  /** Free trial length for a first subscription (0: no trial). One trial per user: see trial-eligibility.ts. */
  trialDays: number
}

export const CATALOG: readonly CatalogPlan[] = [
  {
    id: "pro",
    name: "Pro",
    description: "Everything one person needs to ship.",
    features: ["Unlimited projects", "Priority email support", "Advanced analytics"],
    entitlements: ["unlimited_projects", "advanced_analytics", "priority_support"],
    perSeat: false,
    amounts: { month: 1500, year: 15000 },
    currency: "usd",
    sortOrder: 1,
    minSeats: 1,
    maxSeats: 1,
    trialDays: 14,
  },
  {
    id: "team",
    name: "Team",
    description: "Pro for the whole team, billed per seat.",
    features: ["Everything in Pro", "Shared workspaces", "Roles and permissions", "SSO-ready audit log"],
    entitlements: ["unlimited_projects", "advanced_analytics", "priority_support", "shared_workspaces", "audit_log"],
    perSeat: true,
    amounts: { month: 1200, year: 12000 },
    currency: "usd",
    sortOrder: 2,
    minSeats: 2,
    maxSeats: 100,
    trialDays: 14,
  },
]

/**
 * A per-seat plan's seats during its free trial (issue 23, item 5): one card must not give a hundred people
 * free Team. In-app seat changes and the portal's quantity refuse more until the trial converts; a Team
 * Checkout for more seats starts without a trial (billed today).
 */
export const TRIAL_MAX_SEATS = 3

/** Stable lookup keys: stripe:setup finds its prices by these on every run. */
export const lookupKey = (planId: CatalogPlan["id"], interval: Interval) =>
  `subkit_${planId}_${interval === "month" ? "monthly" : "yearly"}`

// Typed accessors: the rest of the app asks the catalog through these, not CATALOG.find.
/** The plan with this id, or undefined for an id the catalog no longer offers. */
export const planById = (id: string): CatalogPlan | undefined => CATALOG.find((p) => p.id === id)
/** The plan billed per seat (Team), if the catalog has one. */
export const perSeatPlan = (): CatalogPlan | undefined => CATALOG.find((p) => p.perSeat)
/** The plans that grant a feature, in catalog order. */
export const plansGranting = (feature: FeatureKey): CatalogPlan[] => CATALOG.filter((p) => p.entitlements.includes(feature))

/**
 * Dunning grace: how long a past_due subscription keeps its paid features. Stripe keeps a past_due
 * subscription's entitlements until its retries end (Smart Retries: 8 attempts within 2 weeks by
 * default); we lock them earlier, `pastDueDays` after the failed renewal, until the invoice is paid.
 * Decided in one place with the entitlements: lib/billing/status.ts (graceEndsAt, accessSql).
 */
export const GRACE_POLICY = { pastDueDays: 7 } as const

export const PORTAL_CONFIGURATION_KEY = "subkit_default"

/**
 * Metered dimensions. Free: a small monthly allowance, then blocked (hard limit). Pro: `included` a
 * period, then billed per unit at the period end through a graduated metered price on a Stripe Billing
 * Meter (tier 1: the included units at 0, tier 2: `overageCents` each). Team: `perSeat` units for each
 * seat, pooled across the team, billed the same way to the owner. `stripe:setup` creates the meter and
 * the prices (lookup key `meteredLookupKey`).
 */
export type UsageMeter = {
  name: string
  /** The Stripe meter's event_name. */
  eventName: string
  unit: string
  free: { included: number }
  pro: { included: number; overageCents: number }
  team: { perSeat: number; overageCents: number }
}

export const USAGE_METERS = {
  reports: {
    name: "Reports",
    eventName: "subkit_reports",
    unit: "report",
    free: { included: 20 },
    pro: { included: 500, overageCents: 5 },
    team: { perSeat: 300, overageCents: 4 },
  },
} as const satisfies Record<string, UsageMeter>
export type MeterKey = keyof typeof USAGE_METERS
export const isMeterKey = (k: string): k is MeterKey => Object.hasOwn(USAGE_METERS, k)

export const meteredLookupKey = (planId: CatalogPlan["id"], meter: MeterKey, interval: Interval = "month") =>
  `subkit_${planId}_${meter}_metered_${interval === "month" ? "monthly" : "yearly"}`

/** The Stripe product the metered prices of a meter belong to (its name is the invoice line's). */
export const meterProductId = (meter: MeterKey) => `subkit_${meter}_usage`

/**
 * The metered price of a plan for a meter, billed in arrears on the plan's renewal invoice.
 * Pro: graduated tiers, the first `included` units at 0, then `overageCents` each; the app reports every
 * unit to the meter. Team: the pool is `perSeat` × seats, and graduated tiers have fixed bounds that
 * cannot scale with the seat count, so Team's price is a flat `overageCents` per unit and the app reports
 * to the meter only the units past the pool (the ledger knows the pool when it records: ledger.ts). Added
 * seats raise the pool for what follows; removed seats bill at once what was used past the smaller pool
 * (usage/pool.ts).
 */
export type MeteredPriceSpec =
  { scheme: "tiered"; tiers: { upTo: number | "inf"; unitAmount: number }[] } | { scheme: "per_unit"; unitAmount: number }

export function meteredPriceSpec(planId: CatalogPlan["id"], meter: MeterKey): MeteredPriceSpec {
  const m = USAGE_METERS[meter]
  return planId === "pro"
    ? {
        scheme: "tiered",
        tiers: [
          { upTo: m.pro.included, unitAmount: 0 },
          { upTo: "inf", unitAmount: m.pro.overageCents },
        ],
      }
    : { scheme: "per_unit", unitAmount: m.team.overageCents }
}

/** What the app reports to the meter for a plan: every unit (Pro's tiers make the allowance free) or only the overage (Team). */
export const reportsToMeter = (planId: "free" | CatalogPlan["id"]): "all" | "overage" | "nothing" =>
  planId === "pro" ? "all" : planId === "team" ? "overage" : "nothing"

/**
 * Prepaid credit packs (issue 19, item 4): a one-time price bought through Checkout (mode=payment), found by
 * `lookupKey` (`stripe:setup` creates it). When the payment's webhook arrives the drain makes a Stripe credit
 * grant (category paid, scoped to metered prices) worth `units` × Pro's overage unit price, expiring
 * `expiresAfterMonths` after the purchase. On Pro and Team Stripe applies it to the metered line of the
 * renewal invoice, so usage past the allowance is paid from credits before the card; on Free (hard limit, no
 * metered price) the pack lifts the limit by `units`, consumed from our ledger (usage/allowance.ts).
 */
export type CreditPack = {
  id: string
  meter: MeterKey
  name: string
  units: number
  /** What the pack costs, in cents. */
  priceCents: number
  currency: "usd"
  expiresAfterMonths: number
  lookupKey: string
}

export const CREDIT_PACKS = {
  reports_200: {
    id: "reports_200",
    meter: "reports",
    name: "200 report credits",
    units: 200,
    priceCents: 1000,
    currency: "usd",
    expiresAfterMonths: 12,
    lookupKey: "subkit_reports_credits_200",
  },
} as const satisfies Record<string, CreditPack>
export type CreditPackId = keyof typeof CREDIT_PACKS
export const isCreditPackId = (id: string): id is CreditPackId => Object.hasOwn(CREDIT_PACKS, id)
/** The pack offered for a meter (the "Buy credits" button). */
export const creditPackFor = (meter: MeterKey): CreditPack | undefined => Object.values(CREDIT_PACKS).find((p) => p.meter === meter)
/** The credit grant's monetary value: the pack's units at Pro's overage unit price. */
export const creditGrantCents = (pack: CreditPack) => pack.units * USAGE_METERS[pack.meter].pro.overageCents
/** When credits bought at `paidAt` expire. */
export function creditExpiry(pack: CreditPack, paidAt: Date): Date {
  const at = new Date(paidAt)
  at.setUTCMonth(at.getUTCMonth() + pack.expiresAfterMonths)
  return at
}

/**
 * The retention offer: when a customer starts cancelling in the portal (the in-app "Cancel subscription"),
 * Stripe's subscription_cancel flow offers this coupon first (retention.coupon_offer), once per customer
 * (lib/billing/portal/retention.ts records it). `stripe:setup` creates the coupon by this id. Accepted, it
 * becomes the subscription's discount for `durationInMonths`.
 */
export const RETENTION_OFFER = {
  couponId: "subkit_retention_25_3m",
  name: "Stay with us: 25% off for 3 months",
  percentOff: 25,
  durationInMonths: 3,
} as const
