"use client"
// The plan cards: billing interval switch, seats for per-seat plans, and Subscribe with a pending state.
import { Check, Loader2 } from "@/components/ui/icons"
import Link from "next/link"
import { useActionState, useEffect, useId, useState } from "react"
import { useFormStatus } from "react-dom"
import { toast } from "@/components/ui/toast"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import { createCheckoutSession } from "@/lib/actions/create-checkout-session"
import { CATALOG, type Interval } from "@/lib/billing/catalog"
import { formatMoney } from "@/lib/billing/views/describe"
import { cx } from "@/lib/utils"

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
  const [interval, setInterval] = useState<Interval>(current?.interval === "year" ? "year" : "month")
  return (
    <div className="space-y-6">
      <fieldset className="mx-auto flex w-fit rounded-lg border bg-background p-1">
        <legend className="sr-only">Billing interval</legend>
        {(["month", "year"] as const).map((i) => (
          <label
            key={i}
            className={cx(
              "cursor-pointer rounded-md px-4 py-1.5 text-sm font-medium has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring",
              interval === i ? "bg-primary text-primary-foreground" : "text-muted-foreground",
            )}
          >
            <input
              type="radio"
              name="interval-switch"
              value={i}
              checked={interval === i}
              onChange={() => setInterval(i)}
              className="sr-only"
            />
            {i === "month" ? "Monthly" : "Yearly (2 months free)"}
          </label>
        ))}
      </fieldset>
      <div className="grid gap-6 md:grid-cols-2">
        {plans.map((plan) => (
          <PlanCard key={plan.id} plan={plan} interval={interval} signedIn={signedIn} current={current} plusTax={plusTax} />
        ))}
      </div>
    </div>
  )
}

function PlanCard({
  plan,
  interval,
  signedIn,
  current,
  plusTax,
}: {
  plan: PricingPlan
  interval: Interval
  signedIn: boolean
  current: Current
  plusTax: boolean
}) {
  const spec = CATALOG.find((c) => c.id === plan.id)
  const [seats, setSeats] = useState(spec?.minSeats ?? 1)
  const [state, formAction] = useActionState(createCheckoutSession, null)
  const seatsId = useId()
  useEffect(() => {
    if (state && !state.ok) toast.error(state.message)
  }, [state])
  const amount = interval === "month" ? plan.monthlyAmount : plan.yearlyAmount
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
          <span className="text-3xl font-bold">{formatMoney(amount, plan.currency)}</span>
          <span className="text-muted-foreground">
            {" "}
            / {interval}
            {plan.perSeat ? " per seat" : ""}
            {plusTax ? " plus tax" : ""}
          </span>
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
          <form action={formAction} className="w-full space-y-3">
            <input type="hidden" name="plan" value={plan.id} />
            <input type="hidden" name="interval" value={interval} />
            {plan.perSeat && spec && (
              <div className="space-y-1.5">
                <Label htmlFor={seatsId}>Seats</Label>
                <Input
                  id={seatsId}
                  name="seats"
                  type="number"
                  min={spec.minSeats}
                  max={spec.maxSeats}
                  value={seats}
                  onChange={(e) => setSeats(Number(e.target.value))}
                  aria-describedby={`${seatsId}-total`}
                  aria-invalid={!!(state && !state.ok && state.fieldErrors?.seats)}
                />
                <p id={`${seatsId}-total`} className="text-xs text-muted-foreground">
                  {formatMoney(amount * (Number.isFinite(seats) ? seats : 0), plan.currency)} / {interval} for {seats} seats (
                  {spec.minSeats}–{spec.maxSeats})
                </p>
              </div>
            )}
            <SubscribeButton name={plan.name} />
          </form>
        ) : (
          <Button asChild className="w-full">
            <Link href="/auth/signup?next=/pricing">Sign up to subscribe</Link>
          </Button>
        )}
      </CardFooter>
    </Card>
  )
}

function SubscribeButton({ name }: { name: string }) {
  const { pending } = useFormStatus()
  return (
    <Button type="submit" className="w-full" disabled={pending} aria-busy={pending}>
      {pending ? (
        <>
          <Loader2 className="animate-spin" aria-hidden="true" /> Redirecting…
        </>
      ) : (
        `Subscribe to ${name}`
      )}
    </Button>
  )
}
