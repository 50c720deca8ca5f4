// Status badge and the one-line description of a subscription.
import { Badge } from "@/components/ui/badge"
import { Tag } from "@/components/ui/icons"
import { discountLine, headline, type Describable } from "@/lib/billing/views/describe"
import { hasEnded, STATUS_LABEL, STATUS_TONE } from "@/lib/billing/status"
import type { SubscriptionStatus } from "@/lib/billing/types"

export function StatusBadge({ status, cancelScheduled }: { status: SubscriptionStatus; cancelScheduled?: boolean }) {
  if (cancelScheduled && (status === "active" || status === "trialing")) return <Badge variant="warning">Cancels soon</Badge>
  return <Badge variant={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>
}

export function SubscriptionStatus({ subscription }: { subscription: Describable }) {
  const discount = subscription.discount && !hasEnded(subscription.status) ? subscription.discount : null
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-3">
        <StatusBadge status={subscription.status} cancelScheduled={subscription.cancelAtPeriodEnd || !!subscription.cancelAt} />
        <p className="text-sm" data-testid="subscription-headline">
          {headline(subscription)}
        </p>
      </div>
      {discount && (
        <p className="flex items-center gap-1.5 text-sm text-muted-foreground" data-testid="subscription-discount">
          <Tag className="size-3.5" aria-hidden="true" />
          <span>
            <span className="sr-only">Discount: </span>
            {discountLine(discount)}
          </span>
        </p>
      )}
    </div>
  )
}
