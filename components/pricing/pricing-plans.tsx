// The plan cards, as Server Components: both billing intervals rendered, the Monthly/Yearly switch in
// CSS (interval.tsx), seats for per-seat plans and Subscribe with a pending state as client islands
// (checkout-form.tsx), so hydrating /pricing runs only those.
import Link from "next/link"
import { Check } from "@/components/ui/icons"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card"
import { CATALOG, type Interval } from "@/lib/billing/catalog"
import { formatMoney } from "@/lib/billing/views/describe"
import { cx } from "@/lib/utils"
import { CheckoutForm, SeatsField, SubscribeButton } from "./checkout-form"
import { IntervalOnly, IntervalSwitch } from "./interval"

export type PricingPlan = {
  id: string
  name: string
  description: string
  features: string[]
  perSeat: boolean
  monthlyAmount: number
  yearlyAmount: number
  currency: string
  /** Free-trial days offered to this visitor (0: none; decided on the server, one trial per account). */
  trialDays: number
}
type Current = { planId: string | null; interval: string | null; quantity: number } | null

const INTERVALS = ["month", "year"] as const

export function PricingPlans({
  plans,
  signedIn,
  current,
  plusTax = false,
}: {
  plans: PricingPlan[]
  signedIn: boolean
  current: Current
  /** STRIPE_TAX on: the catalog's prices are before tax (exclusive), so each says "plus tax". */
  plusTax?: boolean
}) {
  return (
    <div className="pricing-intervals space-y-6">
      <IntervalSwitch initial={current?.interval === "year" ? "year" : "month"} />
      <div className="grid gap-6 md:grid-cols-2">
        {plans.map((plan) => (
          <PlanCard key={plan.id} plan={plan} signedIn={signedIn} current={current} plusTax={plusTax} />
        ))}
      </div>
    </div>
  )
}

function PlanCard({ plan, signedIn, current, plusTax }: { plan: PricingPlan; signedIn: boolean; current: Current; plusTax: boolean }) {
  const spec = CATALOG.find((c) => c.id === plan.id)
  const amount = (interval: Interval) => (interval === "month" ? plan.monthlyAmount : plan.yearlyAmount)
  const isCurrent = current?.planId === plan.id
  const subscribed = !!current
  return (
    <Card className={cx("flex flex-col", isCurrent && "border-primary ring-1 ring-primary")} data-testid={`plan-${plan.id}`}>
      <CardHeader>
        <CardTitle className="flex items-center justify-between">
          {plan.name}
          {isCurrent && <Badge variant="success">Current plan</Badge>}
        </CardTitle>
        <CardDescription>{plan.description}</CardDescription>
        <p className="pt-2">
          {INTERVALS.map((interval) => (
            <IntervalOnly key={interval} interval={interval}>
              <span className="text-3xl font-bold">{formatMoney(amount(interval), plan.currency)}</span>
              <span className="text-muted-foreground">
                {" "}
                / {interval}
                {plan.perSeat ? " per seat" : ""}
                {plusTax ? " plus tax" : ""}
              </span>
            </IntervalOnly>
          ))}
        </p>
        {plan.trialDays > 0 && !subscribed && (
          <p className="text-sm font-medium text-emerald-700" data-testid={`trial-offer-${plan.id}`}>
            {plan.trialDays}-day free trial
          </p>
        )}
      </CardHeader>
      <CardContent className="flex-1">
        <ul className="space-y-2 text-sm">
          {plan.features.map((f) => (
            <li key={f} className="flex gap-2">
              <Check className="size-4 text-emerald-600" aria-hidden="true" /> {f}
            </li>
          ))}
        </ul>
      </CardContent>
      <CardFooter>
        {subscribed ? (
          <ManageSubscriptionButton
            variant={isCurrent ? "outline" : "default"}
            className="w-full"
            showIcon={false}
            flow={isCurrent ? "home" : "subscription_update"}
          >
            {isCurrent ? "Manage subscription" : `Switch to ${plan.name}`}
          </ManageSubscriptionButton>
        ) : signedIn ? (
          <CheckoutForm plan={plan.id}>
            {plan.perSeat && spec && (
              <SeatsField
                min={spec.minSeats}
                max={spec.maxSeats}
                monthlyAmount={plan.monthlyAmount}
                yearlyAmount={plan.yearlyAmount}
                currency={plan.currency}
              />
            )}
            {INTERVALS.map((interval) => (
              <IntervalOnly key={interval} interval={interval} as="div">
                <SubscribeButton name={plan.name} interval={interval} />
              </IntervalOnly>
            ))}
          </CheckoutForm>
        ) : (
          <Button asChild className="w-full">
            <Link href="/auth/signup?next=/pricing">Sign up to subscribe</Link>
          </Button>
        )}
      </CardFooter>
    </Card>
  )
}
