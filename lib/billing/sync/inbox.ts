// Ingest: a verified delivery becomes one row, with one statement, and nothing else happens before
// the 2xx. Events that need no Stripe read (types we do not apply) are stored already processed.
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { subscriptionEvents } from "@/lib/db/schema"
import type { EventIntent, VerifiedEvent } from "../types"

export async function storeEvent(event: VerifiedEvent, intent: EventIntent, coalesceMs: number): Promise<"stored" | "duplicate"> {
  const ignored = intent.kind === "ignore" ? intent.outcome : null
  const customerId = intent.kind === "sync" ? intent.customerId : event.customerId
  const result = await db.execute(sql`
    insert into ${subscriptionEvents} (stripe_event_id, type, customer_id, stripe_created_at, payload, next_attempt_at, processed_at, outcome)
    values (${event.id}, ${event.type}, ${customerId}, ${event.createdAt}, ${event.raw}::jsonb,
      now() + make_interval(secs => ${coalesceMs / 1000}), ${ignored ? sql`now()` : null}, ${ignored})
    on conflict (stripe_event_id) do nothing`)
  return result.rowCount === 1 ? "stored" : "duplicate"
}
