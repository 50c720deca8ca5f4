// Manage subscription: status, quick actions into the Customer Portal, and what the portal offers.
import type { Metadata } from "next"
import { ManageActions } from "@/components/subscription/manage/manage-actions"
import {
  AlreadySubscribedNotice,
  CancelScheduledAlert,
  PausedAlert,
  PaymentProblemAlert,
  RetentionAcceptedAlert,
  TrialAlert,
} from "@/components/subscription/manage/manage-alerts"
import { InvoiceHistory } from "@/components/subscription/manage/invoice-history"
import { PlanChange, ScheduledChange } from "@/components/subscription/manage/plan-change"
import { PortalFeatures } from "@/components/subscription/manage/portal-features"
import { SubscriptionStatus } from "@/components/subscription/subscription-status"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { UsageMeter } from "@/components/usage/usage-meter"
import { requireUser } from "@/lib/auth/current-user"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { chargeLine } from "@/lib/billing/views/charge"
import { getUsage } from "@/lib/billing/usage/ledger"
import { listInvoices } from "@/lib/billing/invoices/store"
import { projectionFor } from "@/lib/billing/usage/projection"
import { CATALOG } from "@/lib/billing/catalog"

/** Every plan × interval the in-app change offers, but the current one. */
function planOptions(current: { id: string; interval: "month" | "year" }) {
  return CATALOG.flatMap((p) =>
    (["month", "year"] as const).map((interval) => ({
      plan: p.id,
      interval,
      label: `${p.name} ${interval === "month" ? "monthly" : "yearly"}`,
    })),
  ).filter((o) => o.plan !== current.id || o.interval !== current.interval)
}

export const metadata: Metadata = { title: "Manage subscription" }

type InvoiceCursor = { after?: string; before?: string }

async function ManageSubscriptionContent({
  notice,
  credits,
  invoices: cursor,
}: {
  notice?: string
  credits?: "purchased" | "canceled"
  invoices: InvoiceCursor
}) {
  const user = await requireUser()
  const [view, usage, invoices] = await Promise.all([
    loadManageView(user.id),
    getUsage(user.id, "reports"),
    listInvoices(user.id, { after: cursor.after, before: cursor.before }),
  ])
  const live = view.kind === "live" ? view : null
  return (
    <div className="space-y-6">
      {notice === "already-subscribed" && <AlreadySubscribedNotice />}
      {live && (
        <Card>
          <CardHeader>
            <CardTitle>{live.subscription.planName}</CardTitle>
          </CardHeader>
          <CardContent className="space-y-2">
            <SubscriptionStatus subscription={live.subscription} />
            {live.nextCharge.kind === "charge" && !live.trial && (
              <p className="text-sm" data-testid="next-charge">
                Next charge: {chargeLine(live.nextCharge)}.
              </p>
            )}
          </CardContent>
        </Card>
      )}
      <UsageMeter usage={usage} projection={await projectionFor(usage)} from="manage" creditsNotice={credits} />
      {live?.trial && <TrialAlert trial={live.trial} endingSoon={live.trialEndingSoon} />}
      {live?.paymentProblem && <PaymentProblemAlert planName={live.subscription.planName} graceEndsAt={live.graceEndsAt} />}
      {live?.paused && <PausedAlert planName={live.subscription.planName} hasCard={live.card !== null} />}
      {live?.endsOn && <CancelScheduledAlert endsOn={live.endsOn} feedback={live.cancellationFeedback} />}
      {live?.retentionAccepted && <RetentionAcceptedAlert label={live.retentionAccepted.label} endsAt={live.retentionAccepted.endsAt} />}
      {live?.scheduledChange && (
        <ScheduledChange
          planName={live.scheduledChange.planName}
          interval={live.scheduledChange.interval}
          at={live.scheduledChange.at.toISOString()}
          amount={live.scheduledChange.amount}
        />
      )}
      {live?.plan && !live.scheduledChange && !live.endsOn && !live.paymentProblem && !live.paused && (
        <Card>
          <CardHeader>
            <CardTitle>Change plan</CardTitle>
          </CardHeader>
          <CardContent className="space-y-2">
            <p className="text-sm text-muted-foreground">
              Upgrades start now (you pay the difference for the rest of the period). Downgrades and yearly → monthly start at the end of
              your current period.
            </p>
            <PlanChange options={planOptions(live.plan)} />
          </CardContent>
        </Card>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Quick Actions</CardTitle>
        </CardHeader>
        <CardContent className="space-y-4">
          <ManageActions view={view} />
        </CardContent>
      </Card>
      <InvoiceHistory page={invoices} />
      {live && <PortalFeatures />}
    </div>
  )
}

export default async function ManageSubscriptionPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const { notice, credits, invoices_after, invoices_before } = parseSearchParams(await searchParams, {
    notice: z.string().max(64),
    credits: z.enum(["purchased", "canceled"]),
    invoices_after: z.string().max(400),
    invoices_before: z.string().max(400),
  })
  return (
    <div className="mx-auto max-w-4xl">
      <div className="mb-8">
        <h1 className="mb-2 text-3xl font-bold">Manage Your Subscription</h1>
        <p className="text-muted-foreground">Update your plan, payment methods, and billing information</p>
      </div>
      {/* Not streamed behind a skeleton: everything here is read from Postgres (no Stripe call), as on
          /subscription. A streamed boundary is revealed by React only after a throttle, behind the
          framework's script evaluation: the content showed seconds after the HTML had arrived
          (Lighthouse mobile LCP 2.3-5.8 s, docs/benchmarks.md). */}
      <ManageSubscriptionContent notice={notice} credits={credits} invoices={{ after: invoices_after, before: invoices_before }} />
    </div>
  )
}
