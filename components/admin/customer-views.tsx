// /admin/customers: the search results and one customer's page.
import Link from "next/link"
import { Badge } from "@/components/ui/badge"
import type { CustomerDetail, CustomerHit } from "@/lib/billing/admin/customers"
import { SyncCustomerButton } from "./sync-button"

const money = (cents: number | null, currency: string | null) =>
  cents === null
    ? "-"
    : new Intl.NumberFormat("en-US", { style: "currency", currency: (currency ?? "usd").toUpperCase() }).format(cents / 100)
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "-")

export function CustomerSearchForm({ q }: { q?: string }) {
  return (
    <form method="get" className="flex items-end gap-2 text-sm" role="search" aria-label="Find a customer">
      <label className="flex flex-col">
        Email or Stripe customer id (prefix)
        <input name="q" defaultValue={q ?? ""} className="w-80 rounded border px-2 py-1" placeholder="ana@example.com or cus_…" />
      </label>
      <button type="submit" className="rounded border px-3 py-1">
        Search
      </button>
    </form>
  )
}

export function CustomerHits({ hits }: { hits: CustomerHit[] }) {
  if (hits.length === 0) return <p className="text-sm">No customer matches.</p>
  return (
    <table className="w-full text-left text-sm" data-testid="customer-hits">
      <thead>
        <tr>
          <th>Email</th>
          <th>Stripe customer</th>
          <th>Latest subscription</th>
        </tr>
      </thead>
      <tbody>
        {hits.map((h) => (
          <tr key={h.userId}>
            <td>
              <Link href={`/admin/customers/${h.userId}`} className="underline">
                {h.email ?? h.userId}
              </Link>
            </td>
            <td>{h.stripeCustomerId ?? "-"}</td>
            <td>{h.status ?? "-"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, "-")}`
  return (
    <section aria-labelledby={id} className="space-y-2">
      <h2 id={id} className="text-xl font-semibold">
        {title}
      </h2>
      {children}
    </section>
  )
}

export function CustomerDetailView({ c }: { c: CustomerDetail }) {
  return (
    <div className="space-y-6" data-testid="customer-detail">
      <div className="space-y-1 text-sm">
        <p>
          Account {c.email ?? "(no email)"} · user {c.userId} · since {day(c.createdAt)}
        </p>
        {c.customer ? (
          <p>
            Stripe customer <code>{c.customer.stripeCustomerId}</code>
            {c.customer.deletedAt ? ` (deleted at Stripe ${day(c.customer.deletedAt)})` : ""} · last synced{" "}
            {c.customer.syncedAt ? c.customer.syncedAt.toISOString() : "never"} ·{" "}
            <a href={c.customer.dashboardUrl} className="underline" target="_blank" rel="noreferrer">
              Open in the Stripe Dashboard
            </a>
          </p>
        ) : (
          <p>No Stripe customer yet.</p>
        )}
        {c.customer && <SyncCustomerButton userId={c.userId} />}
      </div>
      <Section title="Subscriptions">
        {c.subscriptions.length === 0 ? (
          <p className="text-sm">None.</p>
        ) : (
          <table className="w-full text-left text-sm" data-testid="customer-subscriptions">
            <thead>
              <tr>
                <th>Subscription</th>
                <th>Plan</th>
                <th>Status</th>
                <th>Price × quantity</th>
                <th>Period ends</th>
                <th>Discount</th>
                <th>Row updated</th>
              </tr>
            </thead>
            <tbody>
              {c.subscriptions.map((s) => (
                <tr key={s.id}>
                  <td>{s.id}</td>
                  <td>{s.planId ?? "-"}</td>
                  <td>
                    <Badge variant={s.status === "active" || s.status === "trialing" ? "success" : "neutral"}>{s.status}</Badge>
                    {s.cancelAtPeriodEnd ? " (cancels at period end)" : ""}
                  </td>
                  <td>
                    {money(s.unitAmount, s.currency)}/{s.interval ?? "-"} × {s.quantity}
                  </td>
                  <td>{day(s.currentPeriodEnd)}</td>
                  <td>{s.discountLabel ?? "-"}</td>
                  <td>{s.updatedAt.toISOString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Entitlements">
        <p className="text-sm" data-testid="customer-entitlements">
          {c.entitlements.length ? c.entitlements.map((e) => e.lookupKey).join(", ") : "None."}
        </p>
      </Section>
      <Section title="Team">
        {c.team ? (
          <div className="text-sm">
            <p>
              {c.team.role === "owner" ? "Owns" : "Member of"} the team of {c.team.ownerEmail ?? "-"}; {c.team.members.length} people:
            </p>
            <ul className="list-disc pl-5">
              {c.team.members.map((m) => (
                <li key={m.userId}>
                  {m.email ?? m.userId} ({m.role})
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="text-sm">No team.</p>
        )}
      </Section>
      <Section title="Invoices">
        <p className="text-sm">subkit keeps no invoice rows; the customer&apos;s invoices are in the Stripe Dashboard (link above).</p>
      </Section>
      <Section title="Usage">
        <ul className="text-sm" data-testid="customer-usage">
          {c.usage.map((u) => (
            <li key={u.meter}>
              {u.meter}: {u.used} of {u.included} used ({u.plan} plan), {u.overage} over, resets {day(u.periodEnd)}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Recent events">
        {c.events.length === 0 ? (
          <p className="text-sm">None.</p>
        ) : (
          <ul className="text-sm">
            {c.events.map((e) => (
              <li key={e.id}>
                <Link href={`/admin/events?event=${e.id}`} className="underline">
                  {e.id}
                </Link>{" "}
                {e.type} · {e.state} · {e.outcome ?? "-"} · {e.receivedAt.toISOString()}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  )
}
