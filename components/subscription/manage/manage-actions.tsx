// The manage page's "Quick Actions": none (go to pricing), ended (subscribe again, past invoices), or the portal's steps.
import { AlertCircle, CalendarX, CreditCard, FileText, Repeat, Settings } from "@/components/ui/icons"
import Link from "next/link"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { Button } from "@/components/ui/button"
import { formatDate } from "@/lib/billing/views/describe"
import type { ManageView } from "@/lib/billing/views/manage-view"
import { FeatureCard } from "./feature-card"

export function ManageActions({ view }: { view: ManageView }) {
  if (view.kind === "none") {
    return (
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
    )
  }
  if (view.kind === "ended") {
    return (
      <div className="flex flex-col items-center gap-4 py-6 text-center" data-testid="subscription-ended">
        <CalendarX className="size-12 text-muted-foreground" aria-hidden="true" />
        <div>
          <h3 className="mb-2 font-semibold">Your subscription has ended</h3>
          <p className="text-sm text-muted-foreground">
            {view.endedAt ? `It ended on ${formatDate(view.endedAt)}. ` : ""}Your past invoices stay available in the billing portal.
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
    )
  }
  return (
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
          description={view.card ?? "Update your credit card or payment information"}
          action={
            <ManageSubscriptionButton flow="payment_method_update" variant="outline" showIcon={false}>
              Update payment method
            </ManageSubscriptionButton>
          }
        />
        <FeatureCard
          icon={<FileText className="size-5" />}
          title="Billing History"
          description="View and download past invoices"
          action={
            <ManageSubscriptionButton variant="outline" showIcon={false}>
              View invoices
            </ManageSubscriptionButton>
          }
        />
        <FeatureCard
          icon={<Repeat className="size-5" />}
          title="Change plan"
          description="Switch between Pro and Team, or change seats"
          action={
            <ManageSubscriptionButton flow="subscription_update" variant="outline" showIcon={false}>
              Change plan
            </ManageSubscriptionButton>
          }
        />
        {!view.endsOn && (
          <FeatureCard
            icon={<CalendarX className="size-5" />}
            title="Cancel"
            description="Cancel at the end of your billing period"
            action={
              <ManageSubscriptionButton flow="subscription_cancel" variant="outline" showIcon={false}>
                Cancel subscription
              </ManageSubscriptionButton>
            }
          />
        )}
      </div>
    </>
  )
}
