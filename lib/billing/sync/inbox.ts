// Ingest: a verified delivery becomes one row, with one statement, and nothing else happens before
// the 2xx. Events that need no Stripe read (types we do not apply) are stored already processed.
// Deliveries that arrive while others are being stored share the statement (lib/db/batch.ts): one
// multi-row insert, one round trip, each delivery told whether its row is new.
import "server-only"
import { sql } from "drizzle-orm"
import { batched } from "@/lib/db/batch"
import { db } from "@/lib/db/client"
import { subscriptionEvents } from "@/lib/db/schema"
import type { EventIntent, VerifiedEvent } from "../types"

type Delivery = { event: VerifiedEvent; intent: EventIntent; coalesceMs: number }

const rowOf = ({ event, intent, coalesceMs }: Delivery) => {
  const ignored = intent.kind === "ignore" ? intent.outcome : null
  const customerId = intent.kind === "sync" ? intent.customerId : event.customerId
  return sql`(${event.id}, ${event.type}, ${customerId}, ${event.createdAt}, ${event.raw}::jsonb,
    now() + make_interval(secs => ${coalesceMs / 1000}), ${ignored ? sql`now()` : null}, ${ignored})`
}

/**
 * The rows in one statement. A delivery whose id another row of the statement (or the table) already
 * has is a duplicate: the statement returns each inserted id once, so exactly one delivery of an id is
 * "stored". All or nothing: if the statement fails, each delivery is stored alone (batch.ts `alone`), so
 * one bad row (Postgres refusing its payload) fails only its own delivery.
 */
async function storeMany(deliveries: readonly Delivery[]): Promise<("stored" | "duplicate")[]> {
  const { rows } = await db.execute<{ id: string }>(sql`
    insert into ${subscriptionEvents} (stripe_event_id, type, customer_id, stripe_created_at, payload, next_attempt_at, processed_at, outcome)
    values ${sql.join(deliveries.map(rowOf), sql`, `)}
    on conflict (stripe_event_id) do nothing
    returning stripe_event_id as id`)
  const fresh = new Set(rows.map((r) => r.id))
  return deliveries.map(({ event }) => (fresh.delete(event.id) ? "stored" : "duplicate"))
}

const store = batched(storeMany, {
  maxInFlight: 2,
  maxBatch: 64,
  alone: async (d: Delivery) => (await storeMany([d]))[0] ?? "duplicate",
})

export function storeEvent(event: VerifiedEvent, intent: EventIntent, coalesceMs: number): Promise<"stored" | "duplicate"> {
  return store({ event, intent, coalesceMs })
}
