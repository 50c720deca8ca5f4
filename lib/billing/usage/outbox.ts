// The usage outbox (lib/billing/outbox): due rows are claimed into batches (one per customer and meter),
// each sent as ONE Stripe meter event with the batch's summed value and the batch id as its identifier.
// A failure retries the same batch (same identifier, so Stripe counts it once) with backoff; after the
// maximum attempts the rows are dead and listed by billing:events.
import "server-only"
import { sql } from "drizzle-orm"
import { env } from "@/lib/env"
import { sendMeterEvent } from "@/lib/stripe"
import { isMeterKey, USAGE_METERS } from "../catalog"
import { defineOutbox, type OutboxSummary } from "../outbox/outbox"

export type FlushReport = { batches: number; rows: number; units: number; stripeCalls: number; failed: number; dead: number }
export const CLAIM_LEASE_SECONDS = 90

type Row = { stripe_customer_id: string; meter: string; value: number; at: number }

export const usageOutbox = defineOutbox<Row>({
  name: "usage",
  table: "public.usage_outbox",
  columns: sql`o.stripe_customer_id, o.meter, o.value, extract(epoch from o.created_at)::float8 as at`,
  batchKey: (fresh) => sql`'usage_' || md5(${fresh} || o.stripe_customer_id || o.meter)`,
  batchSize: 5000,
  concurrency: 4,
  leaseSeconds: CLAIM_LEASE_SECONDS,
  maxAttempts: () => env.billing.maxAttempts,
  deadColumns: sql`stripe_customer_id customer`,
  async send({ id, rows }, count) {
    const first = rows[0] as Row
    if (!isMeterKey(first.meter)) throw new Error(`unknown meter ${first.meter}`)
    const value = rows.reduce((s, r) => s + Number(r.value), 0)
    count("stripeCalls")
    await sendMeterEvent({
      eventName: USAGE_METERS[first.meter].eventName,
      customerId: first.stripe_customer_id,
      value,
      identifier: id,
      // The newest usage's time: within the period it was recorded in, and never in the future.
      timestamp: Math.floor(Math.max(...rows.map((r) => r.at))),
    })
    count("units", value)
  },
})

export async function flushUsageOutbox({ limit = 5000, concurrency = 4 } = {}): Promise<FlushReport> {
  const r = await usageOutbox.flush({ limit, concurrency })
  return {
    batches: r.batches,
    rows: r.claimed,
    units: r.counts.units ?? 0,
    stripeCalls: r.counts.stripeCalls ?? 0,
    failed: r.failed,
    dead: r.dead,
  }
}

export const usageOutboxSummary = (): Promise<OutboxSummary<{ id: number; customer: string; error: string | null }>> =>
  usageOutbox.summary()

/** Makes dead usage rows due again (npm run billing:events -- --retry-dead). */
export const retryDeadUsage = () => usageOutbox.retryDead()
