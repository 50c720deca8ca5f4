// Back from the Customer Portal: sync from Stripe, then say what is true now.
import type { Metadata } from "next"
import { CheckCircle, Clock, CreditCard } from "@/components/ui/icons"
import Link from "next/link"
import { Suspense } from "react"
import { SubscriptionStatus } from "@/components/subscription/subscription-status"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardHeader } from "@/components/ui/card"
import { Skeleton } from "@/components/ui/skeleton"
import { requireUser } from "@/lib/auth/current-user"
import { cardLine } from "@/lib/billing/views/describe"
import { getBillingCustomer, getCurrentSubscription } from "@/lib/billing/views/queries"
import { refreshFromStripe } from "@/lib/billing/sync/eager-return"
import { describable } from "@/lib/billing/views/describable"

export const metadata: Metadata = { title: "Billing updated" }

async function PortalReturnContent() {
  const user = await requireUser()
  const { fresh } = await refreshFromStripe(user.id)
  const [sub, customer] = await Promise.all([getCurrentSubscription(user.id), getBillingCustomer(user.id)])
  const card = customer?.defaultPaymentMethod
  return (
    <Card>
      <CardHeader className="items-center text-center">
        <div className="mx-auto mb-4 flex size-16 items-center justify-center rounded-full bg-emerald-100">
          <CheckCircle className="size-10 text-emerald-600" aria-hidden="true" />
        </div>
        {/* CardTitle's text-lg and leading-none would fight text-2xl (no class merging: lib/utils.ts). */}
        <h1 className="text-2xl font-semibold tracking-tight">Welcome back</h1>
      </CardHeader>
      <CardContent className="space-y-6">
        {!fresh && (
          <Alert variant="warning">
            <Clock aria-hidden="true" />
            <AlertDescription>
              We couldn&apos;t reach Stripe just now, so this may not show your latest change yet. It will update shortly.
            </AlertDescription>
          </Alert>
        )}
        <div className="space-y-3" data-testid="portal-return-summary">
          {sub ? (
            <SubscriptionStatus subscription={describable(sub)} />
          ) : (
            <p className="text-center">You don&apos;t have a subscription.</p>
          )}
          {card && (
            <p className="flex items-center gap-2 text-sm text-muted-foreground" data-testid="portal-return-card">
              <CreditCard className="size-4" aria-hidden="true" />
              <span>Paying with {cardLine(card)}</span>
            </p>
          )}
        </div>
        <div className="flex flex-col gap-3 sm:flex-row">
          <Button asChild className="flex-1">
            <Link href="/dashboard">Go to Dashboard</Link>
          </Button>
          <Button asChild variant="outline" className="flex-1">
            <Link href="/subscription">View Subscription</Link>
          </Button>
        </div>
      </CardContent>
    </Card>
  )
}

export default function PortalReturnPage() {
  return (
    <div className="mx-auto max-w-2xl py-6">
      <Suspense
        fallback={
          <div role="status" aria-live="polite" className="space-y-4">
            <span className="sr-only">Updating your subscription…</span>
            <Skeleton className="h-64" />
          </div>
        }
      >
        <PortalReturnContent />
      </Suspense>
    </div>
  )
}
