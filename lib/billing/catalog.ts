// The plan catalog as code. `npm run stripe:setup` makes Stripe and subscription_plans match it.
export type Interval = "month" | "year"

export type CatalogPlan = {
  id: "pro" | "team"
  name: string
  description: string
  features: string[]
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
    perSeat: true,
    amounts: { month: 1200, year: 12000 },
    currency: "usd",
    sortOrder: 2,
    minSeats: 2,
    maxSeats: 100,
    trialDays: 14,
  },
]

/** Stable lookup keys: stripe:setup finds its prices by these on every run. */
export const lookupKey = (planId: CatalogPlan["id"], interval: Interval) =>
  `subkit_${planId}_${interval === "month" ? "monthly" : "yearly"}`

export const PORTAL_CONFIGURATION_KEY = "subkit_default"
