// /admin/metrics: MRR, subscriptions by plan and status, trials, churn, recovered payments and
// cancellation reasons, computed in SQL (lib/billing/admin/metrics.ts) and drawn as server-rendered SVG.
import type { Metadata } from "next"
import { AdminNav } from "@/components/admin/admin-nav"
import { BarChart } from "@/components/admin/bar-chart"
import { requireAdmin } from "@/lib/auth/admin"
import { computeMetrics } from "@/lib/billing/admin/metrics"

export const metadata: Metadata = { title: "Admin · Metrics", robots: { index: false } }

const pct = (r: number | null) => (r === null ? "-" : `${(r * 100).toFixed(1)} %`)
const money = (cents: number, currency: string) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100)

export default async function AdminMetricsPage() {
  await requireAdmin()
  const m = await computeMetrics()
  return (
    <div className="space-y-8">
      <AdminNav current="/admin/metrics" />
      <div className="flex items-baseline justify-between">
        <h1 className="text-3xl font-bold">Metrics</h1>
        <a href="/admin/metrics/export" className="text-sm underline" download>
          Export CSV
        </a>
      </div>
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="metrics-summary">
        <div className="rounded border p-3">
          <dt className="text-muted-foreground text-sm">MRR</dt>
          <dd className="text-2xl font-semibold" data-testid="metric-mrr">
            {m.mrr.length ? m.mrr.map((x) => money(x.cents, x.currency)).join(" + ") : money(0, "usd")}
          </dd>
        </div>
        <div className="rounded border p-3">
          <dt className="text-muted-foreground text-sm">Trial conversion ({m.windowDays} d)</dt>
          <dd className="text-2xl font-semibold" data-testid="metric-trial-conversion">
            {pct(m.trials.conversionRate)}
          </dd>
          <dd className="text-muted-foreground text-xs">
            {m.trials.converted} of {m.trials.ended} ended; {m.trials.trialing} trialing now
          </dd>
        </div>
        <div className="rounded border p-3">
          <dt className="text-muted-foreground text-sm">Churn ({m.windowDays} d)</dt>
          <dd className="text-2xl font-semibold" data-testid="metric-churn">
            {pct(m.churn.rate)}
          </dd>
          <dd className="text-muted-foreground text-xs">
            {m.churn.voluntary} voluntary, {m.churn.involuntary} involuntary, {m.churn.other} other of {m.churn.liveAtStart}
          </dd>
        </div>
        <div className="rounded border p-3">
          <dt className="text-muted-foreground text-sm">Failed payments recovered ({m.windowDays} d)</dt>
          <dd className="text-2xl font-semibold" data-testid="metric-recovered">
            {m.failedPayments.recovered} of {m.failedPayments.failed}
          </dd>
          <dd className="text-muted-foreground text-xs">{pct(m.failedPayments.recoveryRate)}</dd>
        </div>
      </dl>
      <section aria-labelledby="active-h" className="space-y-2">
        <h2 id="active-h" className="text-xl font-semibold">
          Subscriptions by plan and status
        </h2>
        <BarChart
          id="active"
          title="Subscriptions by plan and status"
          bars={m.active.map((a) => ({ label: `${a.plan} · ${a.status}`, value: a.count }))}
        />
      </section>
      <section aria-labelledby="churn-h" className="space-y-2">
        <h2 id="churn-h" className="text-xl font-semibold">
          Churn in the last {m.windowDays} days
        </h2>
        <BarChart
          id="churn"
          title={`Subscriptions ended in the last ${m.windowDays} days, by cause`}
          bars={[
            { label: "voluntary", value: m.churn.voluntary },
            { label: "involuntary", value: m.churn.involuntary },
            { label: "other", value: m.churn.other },
          ]}
        />
      </section>
      <section aria-labelledby="reasons-h" className="space-y-2">
        <h2 id="reasons-h" className="text-xl font-semibold">
          Cancellation reasons
        </h2>
        <BarChart
          id="reasons"
          title="Cancellation reasons the customers gave"
          bars={m.cancellationReasons.map((r) => ({ label: r.reason, value: r.count }))}
        />
      </section>
    </div>
  )
}
