// Status badge and the one-line description of a subscription.
import { Badge } from "@/components/ui/badge"
import { headline, type Describable } from "@/lib/billing/describe"
import { STATUS_LABEL, STATUS_TONE } from "@/lib/billing/status"
import type { SubscriptionStatus } from "@/lib/db/schema"

export function StatusBadge({ status, cancelScheduled }: { status: SubscriptionStatus; cancelScheduled?: boolean }) {
  if (cancelScheduled && (status === "active" || status === "trialing")) return <Badge variant="warning">Cancels soon</Badge>
  return <Badge variant={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>
}

export function SubscriptionStatus({ subscription }: { subscription: Describable }) {
  return (
    <div className="flex flex-wrap items-center gap-3">
      <StatusBadge status={subscription.status} cancelScheduled={subscription.cancelAtPeriodEnd || !!subscription.cancelAt} />
      <p className="text-sm" data-testid="subscription-headline">
        {headline(subscription)}
      </p>
    </div>
  )
}
