// The banners above the manage page's actions: a failed payment, a scheduled cancellation, a redirect notice.
import { AlertTriangle, CalendarX, Info } from "lucide-react"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert"
import { formatDate } from "@/lib/billing/describe"

export function AlreadySubscribedNotice() {
  return (
    <Alert>
      <Info aria-hidden="true" />
      <AlertDescription>You already have a subscription. Change your plan here instead of buying a second one.</AlertDescription>
    </Alert>
  )
}

export function PaymentProblemAlert({ planName }: { planName: string }) {
  return (
    <Alert variant="destructive" data-testid="payment-problem">
      <AlertTriangle aria-hidden="true" />
      <div className="space-y-2">
        <AlertTitle>Your last payment failed</AlertTitle>
        <AlertDescription>
          Update your payment method and we&apos;ll retry the charge right away, so you keep your {planName} plan.
        </AlertDescription>
        <ManageSubscriptionButton flow="payment_method_update" variant="destructive" showIcon={false}>
          Update payment method
        </ManageSubscriptionButton>
      </div>
    </Alert>
  )
}

export function CancelScheduledAlert({ endsOn }: { endsOn: Date }) {
  return (
    <Alert variant="warning" data-testid="cancel-scheduled">
      <CalendarX aria-hidden="true" />
      <div className="space-y-2">
        <AlertTitle>Your plan ends on {formatDate(endsOn)}</AlertTitle>
        <AlertDescription>You keep everything until then. Changed your mind? Renew in the billing portal.</AlertDescription>
        <ManageSubscriptionButton variant="outline" showIcon={false}>
          Renew subscription
        </ManageSubscriptionButton>
      </div>
    </Alert>
  )
}
