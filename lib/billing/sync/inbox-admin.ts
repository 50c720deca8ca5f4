// The inbox seen from outside: counts by state, dead events retried, old payloads pruned.
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { subscriptionEvents } from "@/lib/db/schema"

export type InboxState = "pending" | "retrying" | "dead" | "processed"
export type InboxSummary = Record<InboxState, { count: number; oldestAgeSeconds: number | null }>

/**
 * Counts and the oldest age per state: one aggregate per state, each on its partial index
 * (subscription_events_processed_received_idx and _unprocessed_received_idx, index-only), not a pass
 * over the whole inbox. A state with no rows reads as count 0, oldest null, as before.
 */
export async function inboxSummary(): Promise<InboxSummary> {
  const e = subscriptionEvents
  const age = sql`extract(epoch from now() - min(received_at))::float8`
  const { rows } = await db.execute<{ state: InboxState; count: string; oldest: number | null }>(sql`
    select 'processed' as state, count(*) as count, ${age} as oldest from ${e} where processed_at is not null
    union all select 'dead', count(*), ${age} from ${e} where processed_at is null and dead_at is not null
    union all select 'retrying', count(*), ${age} from ${e} where processed_at is null and dead_at is null and attempts > 0
    union all select 'pending', count(*), ${age} from ${e} where processed_at is null and dead_at is null and attempts = 0`)
  const summary: InboxSummary = {
    pending: { count: 0, oldestAgeSeconds: null },
    retrying: { count: 0, oldestAgeSeconds: null },
    dead: { count: 0, oldestAgeSeconds: null },
    processed: { count: 0, oldestAgeSeconds: null },
  }
  for (const r of rows) summary[r.state] = { count: Number(r.count), oldestAgeSeconds: r.oldest === null ? null : Math.round(r.oldest) }
  return summary
}

export type DeadEvent = { id: string; type: string; customerId: string | null; attempts: number; error: string | null; deadAt: Date }

export async function listDeadEvents(limit = 50): Promise<DeadEvent[]> {
  const { rows } = await db.execute<{
    id: string
    type: string
    customer_id: string | null
    attempts: number
    error: string | null
    dead_at: string
  }>(sql`
    select stripe_event_id as id, type, customer_id, attempts, error, dead_at from ${subscriptionEvents}
    where dead_at is not null and processed_at is null order by dead_at desc limit ${limit}`)
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    customerId: r.customer_id,
    attempts: r.attempts,
    error: r.error,
    deadAt: new Date(r.dead_at),
  }))
}

/** Makes dead events (one, or all when `id` is omitted) due again with a fresh attempt budget. */
export async function retryDeadEvents(id?: string): Promise<number> {
  const result = await db.execute(sql`update ${subscriptionEvents} set dead_at = null, attempts = 0, next_attempt_at = now()
    where dead_at is not null and processed_at is null ${id ? sql`and stripe_event_id = ${id}` : sql``}`)
  return result.rowCount ?? 0
}

/** Drops the payload of events processed more than `days` ago; the row stays as the dedup record. */
export async function pruneProcessedPayloads(days: number): Promise<number> {
  const result = await db.execute(sql`update ${subscriptionEvents} set payload = null
    where processed_at < now() - make_interval(days => ${days}) and payload is not null`)
  return result.rowCount ?? 0
}

export type NoticedEvent = { id: string; type: string; customerId: string | null; outcome: string; processedAt: Date }

/** Applied events whose outcome reports something for a person to look at (a refused link, a second live subscription). */
export async function listNoticedEvents(limit = 50): Promise<NoticedEvent[]> {
  const { rows } = await db.execute<{ id: string; type: string; customer_id: string | null; outcome: string; processed_at: string }>(sql`
    select stripe_event_id as id, type, customer_id, outcome, processed_at from ${subscriptionEvents}
    where processed_at is not null and (outcome like '%more than one live subscription%' or outcome like '%link refused%' or outcome like 'ignored_link_refused%')
    order by processed_at desc limit ${limit}`)
  return rows.map((r) => ({ id: r.id, type: r.type, customerId: r.customer_id, outcome: r.outcome, processedAt: new Date(r.processed_at) }))
}
