// /admin/events: the webhook inbox for an operator. Counts by state are the CLI's (inboxSummary);
// the list is filtered by type, customer and state; one event's payload is shown with personal data
// masked. Search params are parsed leniently: a repeated or unknown value falls back, never throws.
import "server-only"
import { and, desc, eq, isNotNull, isNull, like, sql, type SQL } from "drizzle-orm"
import { z } from "zod"
import { db } from "@/lib/db/client"
import { subscriptionEvents } from "@/lib/db/schema"
import { inboxSummary, type InboxState } from "../sync/inbox-admin"

import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"

export { inboxSummary }

export const EVENT_STATES = ["pending", "retrying", "dead", "processed"] as const satisfies readonly InboxState[]

/** A search param as Next gives it (string, repeated → array, absent → undefined): the first value. */
const first = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().trim().max(200).optional())

const filterSchema = z.object({
  type: first
    .pipe(
      z
        .string()
        .regex(/^[a-z_.]+$/)
        .optional(),
    )
    .catch(undefined),
  customer: first
    .pipe(
      z
        .string()
        .regex(/^cus_[A-Za-z0-9]+$/)
        .optional(),
    )
    .catch(undefined),
  state: first.pipe(z.enum(EVENT_STATES).optional()).catch(undefined),
  /** The recorded outcome of applying the event, matched as a prefix (`synced` finds synced_active, synced_canceled…). */
  outcome: first
    .pipe(
      z
        .string()
        .regex(/^[a-z_]+$/)
        .optional(),
    )
    .catch(undefined),
  event: first
    .pipe(
      z
        .string()
        .regex(/^evt_[A-Za-z0-9]+$/)
        .optional(),
    )
    .catch(undefined),
})
export type EventFilter = z.infer<typeof filterSchema>
/** The filter's fields, for parseSearchParams. */
export const eventFilterShape = filterSchema.shape

/** Never throws: anything unusable is dropped (the page shows the unfiltered list). */
export function parseEventFilter(params: PageSearchParams): EventFilter {
  return parseSearchParams(params, eventFilterShape)
}

const stateSql: Record<InboxState, SQL | undefined> = {
  processed: isNotNull(subscriptionEvents.processedAt),
  dead: and(isNull(subscriptionEvents.processedAt), isNotNull(subscriptionEvents.deadAt)),
  retrying: and(isNull(subscriptionEvents.processedAt), isNull(subscriptionEvents.deadAt), sql`${subscriptionEvents.attempts} > 0`),
  pending: and(isNull(subscriptionEvents.processedAt), isNull(subscriptionEvents.deadAt), eq(subscriptionEvents.attempts, 0)),
}

export type EventRow = {
  id: string
  type: string
  customerId: string | null
  state: InboxState
  attempts: number
  outcome: string | null
  error: string | null
  receivedAt: Date
}

const stateOf = (r: { processedAt: Date | null; deadAt: Date | null; attempts: number }): InboxState =>
  r.processedAt ? "processed" : r.deadAt ? "dead" : r.attempts > 0 ? "retrying" : "pending"

export async function listEvents(filter: EventFilter, limit = 100): Promise<EventRow[]> {
  const e = subscriptionEvents
  const rows = await db
    .select({
      id: e.stripeEventId,
      type: e.type,
      customerId: e.customerId,
      attempts: e.attempts,
      outcome: e.outcome,
      error: e.error,
      receivedAt: e.receivedAt,
      processedAt: e.processedAt,
      deadAt: e.deadAt,
    })
    .from(e)
    .where(
      and(
        filter.type ? eq(e.type, filter.type) : undefined,
        filter.customer ? eq(e.customerId, filter.customer) : undefined,
        filter.state ? stateSql[filter.state] : undefined,
        // `_` is LIKE's one-character wildcard: escaped, the prefix is matched literally.
        filter.outcome ? like(e.outcome, `${filter.outcome.replaceAll("_", "\\_")}%`) : undefined,
      ),
    )
    .orderBy(desc(e.receivedAt))
    .limit(limit)
  return rows.map(({ processedAt, deadAt, ...r }) => ({ ...r, state: stateOf({ processedAt, deadAt, attempts: r.attempts }) }))
}

export type EventDetail = EventRow & { payload: unknown; nextAttemptAt: Date; deadAt: Date | null; processedAt: Date | null }

export async function getEvent(id: string): Promise<EventDetail | null> {
  const [r] = await db.select().from(subscriptionEvents).where(eq(subscriptionEvents.stripeEventId, id))
  if (!r) return null
  return {
    id: r.stripeEventId,
    type: r.type,
    customerId: r.customerId,
    state: stateOf(r),
    attempts: r.attempts,
    outcome: r.outcome,
    error: r.error,
    receivedAt: r.receivedAt,
    nextAttemptAt: r.nextAttemptAt,
    deadAt: r.deadAt,
    processedAt: r.processedAt,
    payload: redactPayload(r.payload),
  }
}

/** The logs never carry personal data (lib/log.ts drops query parameters); the payload view masks it the same way. */
const PERSONAL =
  /^(email|customer_email|name|customer_name|phone|customer_phone|address|customer_address|shipping|billing_details|customer_details|receipt_email)$/

export function redactPayload(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPayload)
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, PERSONAL.test(k) && v !== null ? "[redacted]" : redactPayload(v)]))
  return value
}
