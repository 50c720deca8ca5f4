// Processes a verified Stripe event exactly once: the event row and the handler's writes commit in
// one transaction; a duplicate (or a concurrent redelivery) finds processed_at set and is skipped;
// a failure rolls everything back, records the error and rethrows so the route answers 5xx.
import "server-only"
import { sql } from "drizzle-orm"
import type Stripe from "stripe"
import { db } from "@/lib/db/client"
import { subscriptionEvents } from "@/lib/db/schema"
import { handlers as defaultHandlers, type Handler } from "@/lib/stripe/webhook-handlers"

type Options = {
  /** The body as delivered, stored as the payload without serializing the event again. */
  raw?: string
  handlers?: Partial<Record<string, Handler>>
}

export async function processEvent(event: Stripe.Event, { raw, handlers = defaultHandlers }: Options = {}): Promise<string> {
  const handler = handlers[event.type]
  const created = new Date(event.created * 1000)
  const payload = raw ?? JSON.stringify(event)
  try {
    return await db.transaction(async (tx) => {
      // Inserting the row takes its lock: a concurrent delivery of the same event waits here, then
      // sees processed_at and skips.
      const claimed = await tx.execute<{ stripe_event_id: string }>(sql`
        insert into ${subscriptionEvents} (stripe_event_id, type, stripe_created_at, payload)
        values (${event.id}, ${event.type}, ${created}, ${payload}::jsonb)
        on conflict (stripe_event_id) do update set attempts = ${subscriptionEvents.attempts} + 1
          where ${subscriptionEvents.processedAt} is null
        returning stripe_event_id`)
      if (claimed.rows.length === 0) return "duplicate"
      const outcome = handler ? await handler(event, tx) : "ignored_type"
      await tx.execute(sql`update ${subscriptionEvents} set processed_at = now(), outcome = ${outcome}, error = null
        where stripe_event_id = ${event.id}`)
      return outcome
    })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    await db
      .execute(sql`insert into ${subscriptionEvents} (stripe_event_id, type, stripe_created_at, payload, error)
        values (${event.id}, ${event.type}, ${created}, ${payload}::jsonb, ${message})
        on conflict (stripe_event_id) do update set error = excluded.error where ${subscriptionEvents.processedAt} is null`)
      .catch(() => {}) // the database itself may be what failed; the 5xx still makes Stripe retry
    throw err
  }
}
