// The subscription card: plan, price, seats, status, dates, payment problems, and the manage button.
import { AlertTriangle, CalendarClock, CreditCard } from "@/components/ui/icons"
import Link from "next/link"
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { cardLine, endsOn, formatDate, priceLine } from "@/lib/billing/views/describe"
import type { SubscriptionView } from "@/lib/billing/views/queries"
import { hasEnded, needsPaymentFix } from "@/lib/billing/status"
import { subscriptionTrialNotice } from "@/lib/billing/views/trial-notice"
import { describable, subscriptionCharge } from "@/lib/billing/views/describable"
import { chargeLine } from "@/lib/billing/views/charge"
import { env } from "@/lib/env"
import type { CardSummary } from "@/lib/billing/types"
import { TrialAlert } from "./manage/manage-alerts"
import { ManageSubscriptionButton } from "./manage-subscription-button"
import { SubscriptionStatus } from "./subscription-status"

export function CurrentSubscription({ subscription: s, card }: { subscription: SubscriptionView; card?: CardSummary | null }) {
  const d = describable(s)
  const ending = endsOn(d)
  const ended = hasEnded(s.status)
  // The one function for what Stripe charges next (Stripe's preview where price × quantity could be wrong).
  const next = subscriptionCharge(s, env.billing.tax)
  const trial = subscriptionTrialNotice(s, next, card)
  return (
    <Card data-testid="current-subscription">
      <CardHeader>
        <CardTitle className="flex items-baseline justify-between gap-4">
          <span data-testid="plan-name">{d.planName}</span>
          <span className="text-base font-medium text-muted-foreground" data-testid="plan-price">
            {priceLine(d)}
          </span>
        </CardTitle>
        <CardDescription>{s.plan?.description}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <SubscriptionStatus subscription={d} />
        {trial && <TrialAlert trial={trial} endingSoon={false} />}
        {needsPaymentFix(s.status) && (
          <Alert variant="destructive">
            <AlertTriangle aria-hidden="true" />
            <div>
              <AlertTitle>Payment problem</AlertTitle>
              <AlertDescription>
                We couldn&apos;t charge your card. Update your payment method and we&apos;ll retry at once.
              </AlertDescription>
            </div>
          </Alert>
        )}
        <dl className="grid gap-3 text-sm sm:grid-cols-2">
          {d.perSeat && (
            <div>
              <dt className="text-muted-foreground">Seats</dt>
              <dd data-testid="seats">{s.quantity}</dd>
            </div>
          )}
          {!ended && s.currentPeriodEnd && (
            <div>
              <dt className="flex items-center gap-1 text-muted-foreground">
                <CalendarClock className="size-3.5" aria-hidden="true" />{" "}
                {ending ? "Ends on" : s.status === "trialing" ? "Trial ends" : "Renews on"}
              </dt>
              <dd data-testid="period-end">
                {formatDate(ending ?? (s.status === "trialing" && s.trialEnd ? s.trialEnd : s.currentPeriodEnd))}
              </dd>
            </div>
          )}
          {!ended && next.kind !== "unknown" && (
            <div>
              <dt className="text-muted-foreground">Next charge</dt>
              <dd data-testid="next-charge">{next.kind === "charge" ? chargeLine(next) : "None: nothing more is charged"}</dd>
            </div>
          )}
          {ended && s.endedAt && (
            <div>
              <dt className="text-muted-foreground">Ended on</dt>
              <dd data-testid="ended-at">{formatDate(s.endedAt)}</dd>
            </div>
          )}
          {card && (
            <div>
              <dt className="flex items-center gap-1 text-muted-foreground">
                <CreditCard className="size-3.5" aria-hidden="true" /> Payment method
              </dt>
              <dd data-testid="card">{cardLine(card)}</dd>
            </div>
          )}
        </dl>
      </CardContent>
      {/* CardFooter's own pt-0 would fight pt-2 (no class merging: lib/utils.ts): its classes, written out. */}
      <div className="flex flex-col items-center gap-2 p-6 pt-2 sm:flex-row">
        {/* Manage Button */}
        <ManageSubscriptionButton variant="outline" className="w-full sm:flex-1" />
        {ended && (
          <Button asChild className="w-full sm:flex-1">
            <Link href="/pricing">Subscribe again</Link>
          </Button>
        )}
      </div>
    </Card>
  )
}
