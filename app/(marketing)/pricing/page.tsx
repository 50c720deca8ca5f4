// Pricing: plans from the database, monthly/yearly, seats for Team, the current plan marked.
import type { Metadata } from "next"
import { Info } from "@/components/ui/icons"
import { PricingPlans } from "@/components/pricing/pricing-plans"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { getCurrentUser } from "@/lib/auth/current-user"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"
import { getCurrentSubscription, listPlans } from "@/lib/billing/views/queries"
import { planById } from "@/lib/billing/catalog"
import { isLive } from "@/lib/billing/status"
import { trialOfferedFromRecords } from "@/lib/billing/checkout/trial"
import { env } from "@/lib/env"

export const metadata: Metadata = { title: "Pricing" }

export default async function PricingPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const [{ checkout }, plans, user] = await Promise.all([
    searchParams.then((q) => parseSearchParams(q, { checkout: z.string().max(32) })),
    listPlans(),
    getCurrentUser(),
  ])
  const current = user ? await getCurrentSubscription(user.id) : null
  const live = current && isLive(current.status) ? current : null
  // Visitors are new customers; a signed-in user sees the offer only while our records allow one (Checkout re-checks with Stripe).
  const trialOffered = user ? await trialOfferedFromRecords(user.id) : env.billing.trials
  return (
    <div className="space-y-8">
      <div className="space-y-2 text-center">
        <h1 className="text-3xl font-bold">Pricing</h1>
        <p className="text-muted-foreground">Simple plans. Change or cancel any time from the billing portal.</p>
      </div>
      {checkout === "canceled" && (
        <Alert>
          <Info aria-hidden="true" />
          <AlertDescription>Checkout was canceled and you were not charged. Pick a plan whenever you&apos;re ready.</AlertDescription>
        </Alert>
      )}
      {plans.length === 0 ? (
        <Alert variant="warning">
          <AlertDescription>No plans are set up yet. Run `npm run stripe:setup` to create them.</AlertDescription>
        </Alert>
      ) : (
        <PricingPlans
          plans={plans.map((p) => ({
            id: p.id,
            name: p.name,
            description: p.description,
            features: p.features,
            perSeat: p.perSeat,
            monthlyAmount: p.monthlyAmount,
            yearlyAmount: p.yearlyAmount,
            currency: p.currency,
            trialDays: trialOffered ? (planById(p.id)?.trialDays ?? 0) : 0,
          }))}
          signedIn={!!user}
          plusTax={env.billing.tax}
          current={live ? { planId: live.planId, interval: live.interval, quantity: live.quantity } : null}
        />
      )}
    </div>
  )
}
