"use client"
// Changing plan in the app: choose Pro or Team, monthly or yearly; see Stripe's price (due now, then the
// next invoice) and confirm. Upgrades are charged now; downgrades and yearly → monthly wait for the
// period's end and show as "Changes to X on DATE" with Cancel.
import { Loader2 } from "@/components/ui/icons"
import { useState, useTransition } from "react"
import { toast } from "@/components/ui/toast"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { cancelScheduledPlanChangeAction, confirmPlanChangeAction, previewPlanChangeAction } from "@/lib/actions/plan-change"
import type { PlanChangePreview } from "@/lib/billing/types"
import { formatDate, formatMoney as money } from "@/lib/billing/views/describe"

type Option = { plan: "pro" | "team"; interval: "month" | "year"; label: string }

const per = (i: string | null) => (i === "year" ? "year" : "month")

function spoken(p: PlanChangePreview) {
  if (p.kind === "at_period_end")
    return `Nothing is charged now. From ${formatDate(p.nextInvoice.at)}: ${money(p.nextInvoice.amount, p.currency)}.`
  const now = p.amountDue >= 0 ? `Charged now: ${money(p.amountDue, p.currency)}.` : `Credited: ${money(-p.amountDue, p.currency)}.`
  return `${now} Then ${money(p.nextInvoice.amount, p.currency)} on ${formatDate(p.nextInvoice.at)}.`
}

export function PlanChange({ options }: { options: Option[] }) {
  const [choice, setChoice] = useState<Option | null>(null)
  const [preview, setPreview] = useState<PlanChangePreview | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [pending, start] = useTransition()

  const ask = (o: Option) =>
    start(async () => {
      setChoice(o)
      setError(null)
      setPreview(null)
      const r = await previewPlanChangeAction({ plan: o.plan, interval: o.interval })
      if (r.ok) setPreview(r.preview)
      else setError(r.message)
    })
  const confirm = (o: Option, p: PlanChangePreview) =>
    start(async () => {
      const r = await confirmPlanChangeAction({
        plan: o.plan,
        interval: o.interval,
        itemId: p.itemId,
        fromPriceId: p.fromPriceId,
        fromQuantity: p.fromQuantity,
        prorationDate: p.prorationDate,
        amountDue: p.amountDue,
      })
      if (!r.ok) {
        if (r.code === "stale_preview") {
          const fresh = await previewPlanChangeAction({ plan: o.plan, interval: o.interval })
          setPreview(fresh.ok ? fresh.preview : null)
        }
        return setError(r.message)
      }
      setPreview(null)
      toast.success(r.kind === "now" ? `You're now on ${o.label}.` : `Your plan changes to ${o.label} on ${formatDate(p.nextInvoice.at)}.`)
    })

  return (
    <div className="space-y-3" data-testid="plan-change">
      <div className="flex flex-wrap gap-2" role="group" aria-label="Change plan to">
        {options.map((o) => (
          <Button
            key={`${o.plan}-${o.interval}`}
            type="button"
            variant={choice === o ? "default" : "outline"}
            disabled={pending}
            onClick={() => ask(o)}
          >
            {o.label}
          </Button>
        ))}
      </div>
      <p role="status" aria-live="polite" className="sr-only">
        {preview && spoken(preview)}
      </p>
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      {pending && !preview && <Loader2 className="animate-spin" aria-label="Loading the price" />}
      {preview && choice && (
        <section aria-label="Price of the change" className="space-y-2 rounded-md border p-3 text-sm" data-testid="plan-preview">
          {preview.lines.length > 0 && (
            <ul className="space-y-1">
              {preview.lines.map((l, i) => (
                <li key={i} className="flex justify-between gap-4">
                  <span>{l.description}</span>
                  <span className="tabular-nums">{money(l.amount, preview.currency)}</span>
                </li>
              ))}
            </ul>
          )}
          {preview.kind === "now" ? (
            <p className="font-medium" data-testid="plan-preview-now">
              {preview.amountDue >= 0
                ? `Due now: ${money(preview.amountDue, preview.currency)}`
                : `Credited to your next invoice: ${money(-preview.amountDue, preview.currency)}`}
              {preview.tax > 0 && ` (including ${money(preview.tax, preview.currency)} tax)`}
            </p>
          ) : (
            <p className="font-medium" data-testid="plan-preview-now">
              Nothing is charged now. You keep your current plan until {formatDate(preview.nextInvoice.at)}.
            </p>
          )}
          {preview.taxNeedsAddress && (
            <Alert variant="destructive" data-testid="plan-preview-tax-address">
              <AlertDescription>
                Tax can&apos;t be calculated without your billing address. Add it in the billing portal (Manage billing → Billing
                information), then preview again.
              </AlertDescription>
            </Alert>
          )}
          <p className="text-muted-foreground" data-testid="plan-preview-next">
            Next invoice: {money(preview.nextInvoice.amount, preview.currency)}
            {preview.nextInvoice.tax > 0 && ` (including ${money(preview.nextInvoice.tax, preview.currency)} tax)`} on{" "}
            {formatDate(preview.nextInvoice.at)}.
          </p>
          {preview.kind === "now" && (
            <Alert>
              <AlertDescription>Your card on file is charged when you confirm.</AlertDescription>
            </Alert>
          )}
          <div className="flex gap-2">
            <Button
              type="button"
              disabled={pending || preview.taxNeedsAddress}
              aria-busy={pending}
              onClick={() => confirm(choice, preview)}
            >
              {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
              {preview.kind === "now" ? `Switch to ${choice.label}` : `Change to ${choice.label} on ${formatDate(preview.nextInvoice.at)}`}
            </Button>
            <Button type="button" variant="ghost" disabled={pending} onClick={() => setPreview(null)}>
              Cancel
            </Button>
          </div>
        </section>
      )}
    </div>
  )
}

/** "Changes to Pro (monthly) on DATE", with the first invoice's amount then, and Cancel, which releases the schedule. */
export function ScheduledChange({
  planName,
  interval,
  at,
  amount = null,
}: {
  planName: string
  interval: string | null
  at: string
  amount?: string | null
}) {
  const [pending, start] = useTransition()
  const [error, setError] = useState<string | null>(null)
  return (
    <Alert data-testid="scheduled-change">
      <AlertDescription className="flex flex-wrap items-center justify-between gap-3">
        <span>
          Changes to {planName} ({per(interval)}ly) on {formatDate(new Date(at))}.{amount && ` Your first invoice then: ${amount}.`}
          {error ? ` ${error}` : ""}
        </span>
        <Button
          type="button"
          variant="outline"
          size="sm"
          disabled={pending}
          onClick={() =>
            start(async () => {
              const r = await cancelScheduledPlanChangeAction()
              if (r.ok) toast.success("The scheduled change is cancelled.")
              else setError(r.message)
            })
          }
        >
          Cancel change
        </Button>
      </AlertDescription>
    </Alert>
  )
}
