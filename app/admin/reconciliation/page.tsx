// /admin/reconciliation: the runs comparing Postgres with Stripe, the newest run's findings, and
// "Reconcile now" (admins only; a 404 to anyone else).
import type { Metadata } from "next"
import { AdminNav } from "@/components/admin/admin-nav"
import { ReconcileNowButton } from "@/components/admin/reconcile-button"
import { Badge } from "@/components/ui/badge"
import { requireAdmin } from "@/lib/auth/admin"
import { recentRuns, runFindings } from "@/lib/billing/sync/reconcile"

export const metadata: Metadata = { title: "Admin · Reconciliation", robots: { index: false } }

export default async function AdminReconciliationPage() {
  await requireAdmin()
  const runs = await recentRuns()
  const latest = runs[0]
  const findings = latest ? await runFindings(latest.id) : []
  return (
    <div className="space-y-6">
      <AdminNav current="/admin/reconciliation" />
      <h1 className="text-3xl font-bold">Reconciliation</h1>
      <p className="text-sm">
        Every Stripe subscription listed (100 a page) and compared with its row; rows Stripe does not list; this month&apos;s usage ledger
        against the meters. What differs is re-synced. Daily from the cron, in steps of at most 60 Stripe calls and 8 a second; also{" "}
        <code>npm run billing:reconcile</code>.
      </p>
      <ReconcileNowButton />
      {runs.length === 0 ? (
        <p className="text-sm">No run yet.</p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="reconcile-runs">
          <caption className="sr-only">Recent runs</caption>
          <thead>
            <tr>
              <th>Run</th>
              <th>Started</th>
              <th>By</th>
              <th>Phase</th>
              <th>Subscriptions compared</th>
              <th>Drifted</th>
              <th>Fixed</th>
              <th>Stripe calls</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td>{r.startedAt.toISOString()}</td>
                <td>{r.trigger}</td>
                <td>{r.finishedAt ? `done ${r.finishedAt.toISOString()}` : r.phase}</td>
                <td>{r.checked}</td>
                <td>{r.drifted}</td>
                <td>{r.fixed}</td>
                <td>{r.stripeCalls}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {latest && (
        <section aria-labelledby="findings" className="space-y-2">
          <h2 id="findings" className="text-xl font-semibold">
            Run {latest.id}: what differed
          </h2>
          {findings.length === 0 ? (
            <p className="text-sm">Nothing differed.</p>
          ) : (
            <ul className="space-y-1 text-sm" data-testid="reconcile-findings">
              {findings.map((f) => (
                <li key={f.id}>
                  <Badge variant={f.fixed ? "success" : f.fixed === null ? "neutral" : "danger"}>
                    {f.fixed ? "fixed" : f.fixed === null ? "waiting" : "not fixed"}
                  </Badge>{" "}
                  {f.userId ? (
                    <a className="underline" href={`/admin/customers/${f.userId}`}>
                      {f.customer}
                    </a>
                  ) : (
                    f.customer
                  )}
                  : <code>{JSON.stringify(f.differences)}</code>
                  {f.error ? ` (${f.error})` : ""}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  )
}
