// /admin/events: the webhook inbox for admins (everyone else gets a 404).
import type { Metadata } from "next"
import { EventDetailView, EventFilterForm, EventTable, InboxCounts } from "@/components/admin/event-views"
import { requireAdmin } from "@/lib/auth/admin"
import { getEvent, inboxSummary, listEvents, parseEventFilter } from "@/lib/billing/admin/events"

export const metadata: Metadata = { title: "Admin · Events", robots: { index: false } }

export default async function AdminEventsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin()
  const filter = parseEventFilter(await searchParams)
  const [summary, events, detail] = await Promise.all([
    inboxSummary(),
    listEvents(filter),
    filter.event ? getEvent(filter.event) : Promise.resolve(null),
  ])
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-bold">Webhook events</h1>
      <InboxCounts summary={summary} />
      {detail && <EventDetailView event={detail} />}
      <EventFilterForm filter={filter} />
      <EventTable events={events} />
    </div>
  )
}
