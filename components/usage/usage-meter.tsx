// The usage meter: used vs included as a progress bar screen readers announce, the reset date, the
// threshold notices at 80% and 100%, the overage so far on paid plans, the prepaid credits (and "Buy
// credits"); the demo feature below it.
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { creditPackFor, USAGE_METERS } from "@/lib/billing/catalog"
import type { UsageView } from "@/lib/billing/usage/ledger"
import type { UsageProjection } from "@/lib/billing/usage/projection"
import { usageThreshold } from "@/lib/billing/usage/thresholds"
import { BuyCreditsButton } from "./buy-credits-button"
import { GenerateReport } from "./generate-report"

const day = (d: Date) => d.toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric", timeZone: "UTC" })
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`

type Props = {
  usage: UsageView
  projection?: UsageProjection | null
  /** The page it is on (Checkout for credits returns there), and what that return said. */
  from?: "dashboard" | "manage"
  creditsNotice?: "purchased" | "canceled"
}

export function UsageMeter({ usage, projection = null, from = "dashboard", creditsNotice }: Props) {
  const meter = USAGE_METERS[usage.meter]
  const pack = creditPackFor(usage.meter)
  // A team member's pool is topped up by the owner (the action refuses others).
  const offer = pack && usage.canBuyCredits ? { pack: pack.id, label: `Buy ${pack.name} (${dollars(pack.priceCents)})`, from } : null
  const pct = usage.included ? Math.min(100, Math.round((usage.used / usage.included) * 100)) : 0
  const threshold = usageThreshold(usage)
  const valueText = `${usage.used} of ${usage.included} ${meter.unit}s used this period`
  return (
    <Card data-testid="usage-meter">
      <CardHeader>
        <CardTitle>{meter.name}</CardTitle>
        <CardDescription data-testid={usage.locked ? "usage-locked" : undefined}>
          {usage.locked
            ? usage.locked
            : usage.atLimit === "blocked"
              ? `${usage.included} a month on the free tier.`
              : `${usage.included} included, then ${dollars(usage.overageCents)} per ${meter.unit}, billed at the period end.`}
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        <div
          role="progressbar"
          aria-label={`${meter.name} used`}
          aria-valuemin={0}
          aria-valuemax={usage.included}
          aria-valuenow={Math.min(usage.used, usage.included)}
          aria-valuetext={valueText}
          className="h-3 w-full overflow-hidden rounded bg-muted"
        >
          <div className={`h-full ${threshold === "none" ? "bg-primary" : "bg-amber-600"}`} style={{ width: `${pct}%` }} />
        </div>
        <p className="text-sm" data-testid="usage-figures">
          {usage.used} of {usage.included} used · {usage.remaining} left · resets on {day(usage.periodEnd)}
        </p>
        {projection ? (
          // Stripe's preview of the next invoice: the usage it has so far, priced by the metered price, less credits.
          <p className="text-sm" data-testid="usage-overage">
            {usage.overage} over the allowance. Projected usage charge on your next invoice: {dollars(projection.net)}
            {projection.credits > 0 ? ` (${dollars(projection.cents)} less ${dollars(projection.credits)} of credits)` : ""}.
          </p>
        ) : (
          usage.overage > 0 && (
            <p className="text-sm" data-testid="usage-overage">
              {usage.overage} over the allowance: {dollars(usage.overage * usage.overageCents)} on your next invoice.
            </p>
          )
        )}
        {threshold !== "none" && !usage.locked && (
          <p role="status" className="text-sm font-medium" data-testid="usage-threshold">
            {threshold === "reached"
              ? usage.atLimit === "blocked"
                ? usage.credits > 0
                  ? `You have used all ${usage.included} ${meter.unit}s of this month; more come from your credits.`
                  : `You have used all ${usage.included} ${meter.unit}s of this month. Upgrade to keep going.`
                : `You have used all ${usage.included} included ${meter.unit}s; more are billed as overage.`
              : `You have used ${pct}% of this period's ${meter.unit}s.`}
          </p>
        )}
        <p className="text-sm" data-testid="usage-credits" aria-live="polite">
          {creditsText(usage, meter.unit)}
        </p>
        {creditsNotice === "purchased" && (
          <p role="status" className="text-sm font-medium" data-testid="credits-notice">
            Payment received. Your credits are added as soon as Stripe confirms it.
          </p>
        )}
        {creditsNotice === "canceled" && (
          <p role="status" className="text-sm" data-testid="credits-notice">
            No credits were bought.
          </p>
        )}
        {offer && usage.remaining > 0 && (
          <div>
            <BuyCreditsButton {...offer} />
          </div>
        )}
        <GenerateReport blocked={!usage.locked && usage.atLimit === "blocked" && usage.remaining === 0} credits={offer} />
      </CardContent>
    </Card>
  )
}

/** The credit balance in words: Free's packs in units; a paid plan's Stripe balance in dollars and units. */
function creditsText(usage: UsageView, unit: string): string {
  if (usage.creditCents === null) return usage.credits > 0 ? `Credits: ${usage.credits} ${unit}s left past the allowance.` : "No credits."
  if (usage.creditCents === 0) return "No credits."
  return `Credit balance: ${dollars(usage.creditCents)} (about ${usage.credits} ${unit}s of overage), applied to usage on your next invoice.`
}
