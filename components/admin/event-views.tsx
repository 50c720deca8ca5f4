// The inbox for operators: counts by state, the filtered list, one event in detail.
import Link from "next/link"
import { Badge } from "@/components/ui/badge"
import type { EventDetail, EventFilter, EventRow } from "@/lib/billing/admin/events"
import type { InboxSummary } from "@/lib/billing/sync/inbox-admin"
import { ReplayAllDeadButton, ReplayEventButton } from "./replay-buttons"

const age = (s: number | null) => (s === null ? "-" : s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`)

export function InboxCounts({ summary }: { summary: InboxSummary }) {
  return (
    <dl className="grid grid-cols-3 gap-4" data-testid="inbox-counts">
      {(["pending", "retrying", "dead"] as const).map((state) => (
        <div key={state} className="rounded border p-3">
          <dt className="text-muted-foreground text-sm capitalize">{state}</dt>
          <dd className="text-2xl font-semibold" data-testid={`count-${state}`}>
            {summary[state].count}
          </dd>
          <dd className="text-muted-foreground text-xs">oldest {age(summary[state].oldestAgeSeconds)}</dd>
        </div>
      ))}
    </dl>
  )
}

export function EventFilterForm({ filter }: { filter: EventFilter }) {
  return (
    <form method="get" className="flex flex-wrap items-end gap-2 text-sm" aria-label="Filter events">
      <label className="flex flex-col">
        Type
        <input name="type" defaultValue={filter.type ?? ""} className="rounded border px-2 py-1" placeholder="invoice.paid" />
      </label>
      <label className="flex flex-col">
        Customer
        <input name="customer" defaultValue={filter.customer ?? ""} className="rounded border px-2 py-1" placeholder="cus_…" />
      </label>
      <label className="flex flex-col">
        State
        <select name="state" defaultValue={filter.state ?? ""} className="rounded border px-2 py-1">
          <option value="">any</option>
          <option value="pending">pending</option>
          <option value="retrying">retrying</option>
          <option value="dead">dead</option>
          <option value="processed">processed</option>
        </select>
      </label>
      <label className="flex flex-col">
        Outcome
        <input name="outcome" defaultValue={filter.outcome ?? ""} className="rounded border px-2 py-1" placeholder="synced_active" />
      </label>
      <button type="submit" className="rounded border px-3 py-1">
        Filter
      </button>
      <ReplayAllDeadButton />
    </form>
  )
}

export function EventTable({ events }: { events: EventRow[] }) {
  if (events.length === 0) return <p className="text-sm">No events match.</p>
  return (
    <table className="w-full text-left text-sm" data-testid="event-table">
      <thead>
        <tr>
          <th>Event</th>
          <th>Type</th>
          <th>Customer</th>
          <th>State</th>
          <th>Attempts</th>
          <th>Outcome / error</th>
          <th>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} data-testid={`event-${e.id}`}>
            <td>
              <Link href={`/admin/events?event=${e.id}`} className="underline">
                {e.id}
              </Link>
            </td>
            <td>{e.type}</td>
            <td>{e.customerId ?? "-"}</td>
            <td>
              <Badge variant={e.state === "dead" ? "danger" : "neutral"}>{e.state}</Badge>
            </td>
            <td>{e.attempts}</td>
            <td className="max-w-xs truncate">{e.error ?? e.outcome ?? "-"}</td>
            <td>{e.state === "dead" && <ReplayEventButton id={e.id} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function EventDetailView({ event }: { event: EventDetail }) {
  return (
    <section aria-labelledby="event-detail" className="space-y-2 rounded border p-4" data-testid="event-detail">
      <h2 id="event-detail" className="text-xl font-semibold">
        {event.id} · {event.type}
      </h2>
      <p className="text-sm">
        {event.state}, {event.attempts} attempt(s); received {event.receivedAt.toISOString()}; next attempt{" "}
        {event.nextAttemptAt.toISOString()}
        {event.error ? `; last error: ${event.error}` : ""}
        {event.outcome ? `; outcome: ${event.outcome}` : ""}
      </p>
      {event.state === "dead" && <ReplayEventButton id={event.id} />}
      <pre className="bg-muted max-h-96 overflow-auto p-2 text-xs">
        {event.payload === null ? "(payload pruned)" : JSON.stringify(event.payload, null, 2)}
      </pre>
    </section>
  )
}
