// /admin/events: the webhook inbox for admins (everyone else gets a 404).
import type { Metadata } from "next"
import { AdminNav } from "@/components/admin/admin-nav"
import { EventDetailView, EventFilterForm, EventTable, InboxCounts } from "@/components/admin/event-views"
import { requireAdmin } from "@/lib/auth/admin"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { eventFilterShape, getEvent, inboxSummary, listEvents } from "@/lib/billing/admin/events"

export const metadata: Metadata = { title: "Admin · Events", robots: { index: false } }

export default async function AdminEventsPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  await requireAdmin()
  const filter = parseSearchParams(await searchParams, eventFilterShape)
  const [summary, events, detail] = await Promise.all([
    inboxSummary(),
    listEvents(filter),
    filter.event ? getEvent(filter.event) : Promise.resolve(null),
  ])
  return (
    <div className="space-y-6">
      <AdminNav current="/admin/events" />
      <h1 className="text-3xl font-bold">Webhook events</h1>
      <InboxCounts summary={summary} />
      {detail && <EventDetailView event={detail} />}
      <EventFilterForm filter={filter} />
      <EventTable events={events} />
    </div>
  )
}
