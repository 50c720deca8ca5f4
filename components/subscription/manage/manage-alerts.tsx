// The banners above the manage page's actions: a failed payment, a scheduled cancellation, a redirect notice.
import { AlertTriangle, CalendarX, Hourglass, Info, PauseCircle } from "@/components/ui/icons"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { ResumeSubscriptionButton } from "@/components/subscription/resume-subscription-button"
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert"
import { formatDate } from "@/lib/billing/views/describe"

export function AlreadySubscribedNotice() {
  return (
    <Alert>
      <Info aria-hidden="true" />
      <AlertDescription>You already have a subscription. Change your plan here instead of buying a second one.</AlertDescription>
    </Alert>
  )
}

export function PaymentProblemAlert({ planName, graceEndsAt = null }: { planName: string; graceEndsAt?: Date | null }) {
  return (
    <Alert variant="destructive" data-testid="payment-problem">
      <AlertTriangle aria-hidden="true" />
      <div className="space-y-2">
        <AlertTitle>Your last payment failed</AlertTitle>
        <AlertDescription>
          Update your payment method and we&apos;ll retry the charge right away, so you keep your {planName} plan.
        </AlertDescription>
        {graceEndsAt && (
          <AlertDescription data-testid="grace-ends">
            {graceEndsAt > new Date()
              ? `Your ${planName} features stay on until ${formatDate(graceEndsAt)}; then they lock until the invoice is paid.`
              : `Your ${planName} features are locked until the invoice is paid.`}
          </AlertDescription>
        )}
        <ManageSubscriptionButton flow="payment_method_update" variant="destructive" showIcon={false}>
          Update payment method
        </ManageSubscriptionButton>
      </div>
    </Alert>
  )
}

/** Paused (a card-less trial ended so): add a card, then resume; resuming is charged for a new period from today. */
export function PausedAlert({ planName, hasCard }: { planName: string; hasCard: boolean }) {
  return (
    <Alert variant="warning" data-testid="subscription-paused">
      <PauseCircle aria-hidden="true" />
      <div className="space-y-2">
        <AlertTitle>Your {planName} plan is paused</AlertTitle>
        <AlertDescription>
          {hasCard
            ? `Resume it to get your ${planName} features back: your card on file is charged for a new billing period starting today.`
            : `Your trial ended without a payment method. Add one, then resume to get your ${planName} features back.`}
        </AlertDescription>
        <div className="flex flex-wrap gap-2">
          {hasCard && <ResumeSubscriptionButton />}
          <ManageSubscriptionButton flow="payment_method_update" variant={hasCard ? "outline" : "default"} showIcon={false}>
            {hasCard ? "Change payment method" : "Add payment method"}
          </ManageSubscriptionButton>
        </div>
      </div>
    </Alert>
  )
}

/** Stripe's cancellation_details.feedback values, as the portal's reason list words them. */
const FEEDBACK: Record<string, string> = {
  too_expensive: "It's too expensive",
  missing_features: "Some features are missing",
  switched_service: "I'm switching to a different service",
  unused: "I don't use the service enough",
  customer_service: "Customer service was less than expected",
  too_complex: "Ease of use was less than expected",
  low_quality: "Quality was less than expected",
  other: "Other reason",
}

export function CancelScheduledAlert({ endsOn, feedback }: { endsOn: Date; feedback?: string | null }) {
  return (
    <Alert variant="warning" data-testid="cancel-scheduled">
      <CalendarX aria-hidden="true" />
      <div className="space-y-2">
        <AlertTitle>Your plan ends on {formatDate(endsOn)}</AlertTitle>
        <AlertDescription>
          You keep everything until then, and nothing more is charged.
          {feedback && FEEDBACK[feedback] ? ` The reason you gave: ${FEEDBACK[feedback]}.` : ""} Changed your mind? Renew in the billing
          portal.
        </AlertDescription>
        <ManageSubscriptionButton variant="outline" showIcon={false}>
          Renew subscription
        </ManageSubscriptionButton>
      </div>
    </Alert>
  )
}

/** While trialing: when the trial ends and what happens then; louder once Stripe's 3-day warning arrived. */
export function TrialAlert({ trial, endingSoon }: { trial: { endsOn: string; then: string }; endingSoon: boolean }) {
  return (
    <Alert variant={endingSoon ? "warning" : "default"} data-testid={endingSoon ? "trial-ending-banner" : "trial-notice"}>
      <Hourglass aria-hidden="true" />
      <div>
        <AlertTitle>{endingSoon ? `Your trial ends soon, on ${trial.endsOn}` : `Trial ends on ${trial.endsOn}`}</AlertTitle>
        <AlertDescription>{trial.then}</AlertDescription>
      </div>
    </Alert>
  )
}

/** The retention offer the customer accepted in the cancel flow: what it is and until when it applies. */
export function RetentionAcceptedAlert({ label, endsAt }: { label: string; endsAt: Date | null }) {
  return (
    <Alert variant="success" data-testid="retention-accepted">
      <AlertTitle>Thanks for staying</AlertTitle>
      <AlertDescription>
        You accepted {label}.{endsAt ? ` It applies to your invoices until ${formatDate(endsAt)}; after that the usual price returns.` : ""}
      </AlertDescription>
    </Alert>
  )
}
