// The usage outbox (lib/billing/outbox): due rows are claimed into batches, one per customer and meter, each sent
// as ONE Stripe meter event with the batch's summed value and the batch id as its identifier (a retry keeps it,
// so Stripe counts it once); after the maximum attempts the rows are dead and listed by billing:events.
import "server-only"
import { sql } from "drizzle-orm"
import { env } from "@/lib/env"
import { sendMeterEvent } from "@/lib/stripe"
import { isMeterKey, USAGE_METERS } from "../catalog"
import { defineOutbox } from "../outbox/outbox"

/**
 * When a customer's pending usage is worth a Stripe call on the way (after() and the cron): this many
 * rows, or its oldest row this old. One call carries the whole batch, so calls per 1,000 usage events stay
 * at about 1,000 / USAGE_BATCH_ROWS for a busy customer, and a quiet one waits at most the age (Stripe
 * bills metered usage at the period's end; the timestamp sent is the usage's own).
 */
export const USAGE_BATCH_ROWS = 1000
/** The oldest row's age that makes a batch worth a call however small (USAGE_BATCH_MAX_AGE_S, default 60). */
export const usageBatchMaxAgeSeconds = () => env.billing.usageBatchMaxAgeSeconds

export type FlushReport = { batches: number; rows: number; units: number; stripeCalls: number; failed: number; dead: number }

type Row = { stripe_customer_id: string; meter: string; value: number; at: number; period_start: number | null; period_end: number | null }

export const usageOutbox = defineOutbox<Row>({
  name: "usage",
  table: "public.usage_outbox",
  columns: sql`o.stripe_customer_id, o.meter, o.value, extract(epoch from o.created_at)::float8 as at,
    extract(epoch from o.period_start)::float8 as period_start, extract(epoch from o.period_end)::float8 as period_end`,
  batchKey: (fresh) => sql`'usage_' || md5(${fresh} || o.stripe_customer_id || o.meter)`,
  batchSize: 5000,
  deadColumns: sql`stripe_customer_id customer`,
  // The customer and meter's due rows are a full batch, or the oldest is old enough.
  ripe: sql`(d.stripe_customer_id, d.meter) in (select r.stripe_customer_id, r.meter from public.usage_outbox r
    where r.status = 'pending' and r.next_attempt_at <= now() and (r.claimed_until is null or r.claimed_until < now())
    group by 1, 2 having count(*) >= ${USAGE_BATCH_ROWS} or min(r.created_at) <= now() - make_interval(secs => ${usageBatchMaxAgeSeconds()}))`,
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
      timestamp: meterEventTime(rows),
    })
    count("units", value)
  },
})

/**
 * The newest usage's time, inside the ledger period it was counted in. In production the two clocks agree
 * and this is the usage's own time; for a customer on a test clock (or the emulator with its clock moved on)
 * Stripe's period is elsewhere in time, and the usage belongs to the period the ledger counted it in.
 */
export function meterEventTime(rows: Pick<Row, "at" | "period_start" | "period_end">[]): number {
  const newest = rows.reduce((a, b) => (b.at > a.at ? b : a))
  let t = Math.floor(newest.at)
  if (newest.period_start != null) t = Math.max(t, Math.ceil(newest.period_start))
  if (newest.period_end != null) t = Math.min(t, Math.floor(newest.period_end) - 1)
  return t
}

/** `ripeOnly` (after() and the cron): only batches worth a call now; billing:drain and the tests send everything due. */
export async function flushUsageOutbox(options?: { limit?: number; concurrency?: number; ripeOnly?: boolean }): Promise<FlushReport> {
  const { batches, claimed: rows, failed, dead, counts } = await usageOutbox.flush(options)
  return { batches, rows, units: counts.units ?? 0, stripeCalls: counts.stripeCalls ?? 0, failed, dead }
}

export const usageOutboxSummary = () => usageOutbox.summary<{ id: number; customer: string; error: string | null }>()
export const retryDeadUsage = () => usageOutbox.retryDead()
