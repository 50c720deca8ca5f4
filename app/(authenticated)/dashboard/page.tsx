// Dashboard: who you are and what plan you are on.
import type { Metadata } from "next"
import Link from "next/link"
import { GatedFeature } from "@/components/entitlements/gated-feature"
import { SubscriptionStatus } from "@/components/subscription/subscription-status"
import { Button } from "@/components/ui/button"
import { UsageMeter } from "@/components/usage/usage-meter"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { z } from "zod"
import { requireUser } from "@/lib/auth/current-user"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { FEATURES, plansGranting, type FeatureKey } from "@/lib/billing/catalog"
import { entitlementKeys } from "@/lib/billing/views/entitlements"
import { getCurrentSubscription } from "@/lib/billing/views/queries"
import { describable } from "@/lib/billing/views/describable"
import { getUsage, lockedMessage } from "@/lib/billing/usage/ledger"
import { projectionFor } from "@/lib/billing/usage/projection"
import { hasAccessAt } from "@/lib/billing/status"
import { getTeamView } from "@/lib/billing/team/view"

export const metadata: Metadata = { title: "Dashboard" }

export default async function DashboardPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const { credits } = parseSearchParams(await searchParams, { credits: z.enum(["purchased", "canceled"]) })
  const user = await requireUser()
  const [sub, features, usage] = await Promise.all([
    getCurrentSubscription(user.id),
    entitlementKeys(user.id),
    getUsage(user.id, "reports"),
  ])
  // Past the dunning grace a past_due plan's features are locked until the invoice is paid (status.ts).
  const locked = sub?.status === "past_due" && !hasAccessAt(sub, new Date()) ? lockedMessage(sub.planId) : null
  // Without a plan of their own, a team member is on the owner's Team plan (issue 23, item 9).
  const team = sub && hasAccessAt(sub, new Date()) ? null : await getTeamView(user.id)
  const memberOf = team?.kind === "member" ? team : null
  const plansWith = (key: FeatureKey) => plansGranting(key).map((p) => p.name)
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-3xl font-bold">Dashboard</h1>
        <p className="text-muted-foreground" data-testid="dashboard-email">
          Signed in as {user.email}
        </p>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Your plan</CardTitle>
          <CardDescription>
            {sub && hasAccessAt(sub, new Date()) ? (
              `${sub.plan?.name ?? "Paid"} features are unlocked.`
            ) : locked ? (
              <span data-testid="features-locked">{locked}</span>
            ) : memberOf ? (
              `You're on ${memberOf.ownerEmail ?? "your team owner"}'s Team plan.`
            ) : (
              "You're on the free tier."
            )}
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          {sub ? (
            <SubscriptionStatus subscription={describable(sub)} />
          ) : memberOf ? (
            <p className="text-sm">Every Team feature is included while you are on the team; the owner manages billing.</p>
          ) : (
            <p className="text-sm">Subscribe to Pro or Team to unlock everything.</p>
          )}
          {memberOf && !sub ? (
            <Button asChild variant="outline">
              <Link href="/team">View your team</Link>
            </Button>
          ) : (
            <Button asChild variant={sub ? "outline" : "default"}>
              <Link href={sub ? "/subscription" : "/pricing"}>{sub ? "View subscription" : "See plans"}</Link>
            </Button>
          )}
        </CardContent>
      </Card>
      <UsageMeter usage={usage} projection={await projectionFor(usage)} from="dashboard" creditsNotice={credits} />
      <GatedFeature
        featureKey="advanced_analytics"
        title={FEATURES.advanced_analytics}
        unlocked={features.has("advanced_analytics")}
        plans={plansWith("advanced_analytics")}
        lockedReason={locked}
      >
        <p className="text-sm">Your analytics are ready: 0 projects tracked this month.</p>
      </GatedFeature>
      <GatedFeature
        featureKey="shared_workspaces"
        title={FEATURES.shared_workspaces}
        unlocked={features.has("shared_workspaces")}
        plans={plansWith("shared_workspaces")}
        lockedReason={locked}
      >
        <p className="text-sm">Your team&apos;s shared workspace is ready.</p>
      </GatedFeature>
    </div>
  )
}
