// The usage outbox (lib/billing/outbox): due rows are claimed into batches, one per customer and meter, each sent
// as ONE Stripe meter event with the batch's summed value and the batch id as its identifier (a retry keeps it,
// so Stripe counts it once); after the maximum attempts the rows are dead and listed by billing:events.
import "server-only"
import { sql } from "drizzle-orm"
import { sendMeterEvent } from "@/lib/stripe"
import { isMeterKey, USAGE_METERS } from "../catalog"
import { defineOutbox } from "../outbox/outbox"

export type FlushReport = { batches: number; rows: number; units: number; stripeCalls: number; failed: number; dead: number }

type Row = { stripe_customer_id: string; meter: string; value: number; at: number }

export const usageOutbox = defineOutbox<Row>({
  name: "usage",
  table: "public.usage_outbox",
  columns: sql`o.stripe_customer_id, o.meter, o.value, extract(epoch from o.created_at)::float8 as at`,
  batchKey: (fresh) => sql`'usage_' || md5(${fresh} || o.stripe_customer_id || o.meter)`,
  batchSize: 5000,
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

export async function flushUsageOutbox(options?: { limit?: number; concurrency?: number }): Promise<FlushReport> {
  const { batches, claimed: rows, failed, dead, counts } = await usageOutbox.flush(options)
  return { batches, rows, units: counts.units ?? 0, stripeCalls: counts.stripeCalls ?? 0, failed, dead }
}

export const usageOutboxSummary = () => usageOutbox.summary<{ id: number; customer: string; error: string | null }>()
export const retryDeadUsage = () => usageOutbox.retryDead()
