// Manage subscription: status, quick actions into the Customer Portal, and what the portal offers.
import type { Metadata } from "next"
import { AlertCircle, AlertTriangle, CalendarX, CreditCard, FileText, Info, Repeat, Settings } from "lucide-react"
import Link from "next/link"
import { Suspense, type ReactNode } from "react"
import { ManageSkeleton } from "@/components/subscription/manage-skeleton"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { SubscriptionStatus } from "@/components/subscription/subscription-status"
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { requireUser } from "@/lib/auth/current-user"
import { cardLine, endsOn, formatDate } from "@/lib/billing/describe"
import { getBillingCustomer, getCurrentSubscription } from "@/lib/billing/queries"
import { hasEnded, needsPaymentFix } from "@/lib/billing/status"
import { describable } from "@/lib/billing/view"

export const metadata: Metadata = { title: "Manage subscription" }

async function ManageSubscriptionContent({ notice }: { notice?: string }) {
  const user = await requireUser()
  const [subscription, customer] = await Promise.all([getCurrentSubscription(user.id), getBillingCustomer(user.id)])
  const d = subscription && describable(subscription)
  const ended = subscription ? hasEnded(subscription.status) : false
  const ending = d ? endsOn(d) : null
  const card = customer?.defaultPaymentMethod

  return (
    <div className="space-y-6">
      {notice === "already-subscribed" && (
        <Alert>
          <Info aria-hidden="true" />
          <AlertDescription>You already have a subscription. Change your plan here instead of buying a second one.</AlertDescription>
        </Alert>
      )}

      {subscription && d && (
        <Card>
          <CardHeader>
            <CardTitle>{d.planName}</CardTitle>
          </CardHeader>
          <CardContent>
            <SubscriptionStatus subscription={d} />
          </CardContent>
        </Card>
      )}

      {subscription && needsPaymentFix(subscription.status) && (
        <Alert variant="destructive" data-testid="payment-problem">
          <AlertTriangle aria-hidden="true" />
          <div className="space-y-2">
            <AlertTitle>Your last payment failed</AlertTitle>
            <AlertDescription>Update your payment method and we&apos;ll retry the charge right away, so you keep your {d?.planName} plan.</AlertDescription>
            <ManageSubscriptionButton flow="payment_method_update" variant="destructive" showIcon={false}>
              Update payment method
            </ManageSubscriptionButton>
          </div>
        </Alert>
      )}

      {subscription && !ended && ending && (
        <Alert variant="warning" data-testid="cancel-scheduled">
          <CalendarX aria-hidden="true" />
          <div className="space-y-2">
            <AlertTitle>Your plan ends on {formatDate(ending)}</AlertTitle>
            <AlertDescription>You keep everything until then. Changed your mind? Renew in the billing portal.</AlertDescription>
            <ManageSubscriptionButton variant="outline" showIcon={false}>
              Renew subscription
            </ManageSubscriptionButton>
          </div>
        </Alert>
      )}

      <Card>
        <CardHeader>
          <CardTitle>Quick Actions</CardTitle>
        </CardHeader>
        <CardContent className="space-y-4">
          {!subscription ? (
            <div className="flex flex-col items-center gap-4 py-8 text-center">
              <AlertCircle className="size-12 text-muted-foreground" aria-hidden="true" />
              <div>
                <h3 className="mb-2 font-semibold">No Active Subscription</h3>
                <p className="text-sm text-muted-foreground">Subscribe to a plan to unlock premium features</p>
              </div>
              <Button asChild variant="outline">
                <Link href="/pricing">View Plans</Link>
              </Button>
            </div>
          ) : ended ? (
            <div className="flex flex-col items-center gap-4 py-6 text-center" data-testid="subscription-ended">
              <CalendarX className="size-12 text-muted-foreground" aria-hidden="true" />
              <div>
                <h3 className="mb-2 font-semibold">Your subscription has ended</h3>
                <p className="text-sm text-muted-foreground">
                  {subscription.endedAt ? `It ended on ${formatDate(subscription.endedAt)}. ` : ""}Your past invoices stay available in the billing portal.
                </p>
              </div>
              <div className="flex flex-wrap justify-center gap-3">
                <Button asChild>
                  <Link href="/pricing">Subscribe again</Link>
                </Button>
                <ManageSubscriptionButton variant="outline" showIcon={false}>
                  View past invoices
                </ManageSubscriptionButton>
              </div>
            </div>
          ) : (
            <>
              <div className="flex items-start gap-4 rounded-lg border p-4">
                <Settings className="mt-1 size-5 text-primary" aria-hidden="true" />
                <div className="flex-1">
                  <h3 className="font-semibold">Manage via Stripe</h3>
                  <p className="text-sm text-muted-foreground">Update payment methods, view invoices, and modify your subscription</p>
                  <div className="mt-3">
                    <ManageSubscriptionButton showIcon={false} />
                  </div>
                </div>
              </div>
              <div className="grid gap-4 md:grid-cols-2">
                <FeatureCard
                  icon={<CreditCard className="size-5" />}
                  title="Payment Methods"
                  description={card ? `${cardLine(card)}, expires ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}` : "Update your credit card or payment information"}
                  action={<ManageSubscriptionButton flow="payment_method_update" variant="outline" showIcon={false}>Update payment method</ManageSubscriptionButton>}
                />
                <FeatureCard
                  icon={<FileText className="size-5" />}
                  title="Billing History"
                  description="View and download past invoices"
                  action={<ManageSubscriptionButton variant="outline" showIcon={false}>View invoices</ManageSubscriptionButton>}
                />
                <FeatureCard
                  icon={<Repeat className="size-5" />}
                  title="Change plan"
                  description="Switch between Pro and Team, or change seats"
                  action={<ManageSubscriptionButton flow="subscription_update" variant="outline" showIcon={false}>Change plan</ManageSubscriptionButton>}
                />
                {!ending && (
                  <FeatureCard
                    icon={<CalendarX className="size-5" />}
                    title="Cancel"
                    description="Cancel at the end of your billing period"
                    action={<ManageSubscriptionButton flow="subscription_cancel" variant="outline" showIcon={false}>Cancel subscription</ManageSubscriptionButton>}
                  />
                )}
              </div>
            </>
          )}
        </CardContent>
      </Card>

      {subscription && !ended && (
        <Card>
          <CardHeader>
            <CardTitle>What You Can Do in the Portal</CardTitle>
          </CardHeader>
          <CardContent>
            <ul className="space-y-2 text-sm">
              {[
                "Update payment methods and billing information",
                "Switch between subscription plans",
                "View and download billing history",
                "Cancel your subscription (takes effect at period end)",
              ].map((item) => (
                <li key={item} className="flex items-center gap-2">
                  <span aria-hidden="true" className="flex size-6 items-center justify-center rounded-full border text-xs">
                    ✓
                  </span>
                  {item}
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      )}
    </div>
  )
}

function FeatureCard({ icon, title, description, action }: { icon: ReactNode; title: string; description: string; action?: ReactNode }) {
  return (
    <div className="flex items-start gap-3 rounded-lg border p-4">
      <div className="text-primary" aria-hidden="true">
        {icon}
      </div>
      <div className="space-y-2">
        <h4 className="font-medium">{title}</h4>
        <p className="text-sm text-muted-foreground">{description}</p>
        {action}
      </div>
    </div>
  )
}

export default async function ManageSubscriptionPage({ searchParams }: { searchParams: Promise<{ notice?: string }> }) {
  const { notice } = await searchParams
  return (
    <div className="mx-auto max-w-4xl">
      <div className="mb-8">
        <h1 className="mb-2 text-3xl font-bold">Manage Your Subscription</h1>
        <p className="text-muted-foreground">Update your plan, payment methods, and billing information</p>
      </div>
      <Suspense fallback={<ManageSkeleton />}>
        <ManageSubscriptionContent notice={notice} />
      </Suspense>
    </div>
  )
}
