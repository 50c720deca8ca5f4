// The usage outbox's sender: claims due rows into batches (one per customer and meter), sends each as
// ONE Stripe meter event with the batch's summed value and the batch id as its identifier, and marks
// the rows sent. A failure retries the same batch (same identifier, so Stripe counts it once) with
// exponential backoff; after the maximum attempts the rows are dead and listed by billing:events.
import "server-only"
import { randomUUID } from "node:crypto"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { sendMeterEvent } from "@/lib/stripe"
import { isMeterKey, USAGE_METERS } from "../catalog"
import { retryDelaySeconds } from "../sync/retry"

export type FlushReport = { batches: number; rows: number; units: number; stripeCalls: number; failed: number; dead: number }
export const CLAIM_LEASE_SECONDS = 90

type Claimed = { id: string; batch_id: string; stripe_customer_id: string; meter: string; value: number; at: number; attempts: number }

/**
 * When a customer's pending usage is worth a Stripe call on the way (after() and the cron): this many
 * rows, or its oldest row this old. One call carries the whole batch, so calls per 1,000 usage events stay
 * at about 1,000 / USAGE_BATCH_ROWS for a busy customer, and a quiet one waits at most the age (Stripe
 * bills metered usage at the period's end; the timestamp sent is the usage's own).
 */
export const USAGE_BATCH_ROWS = 1000
export const USAGE_BATCH_MAX_AGE_SECONDS = 60

/**
 * Claims whole batches, up to `limit` of them: each customer and meter's due rows without a batch become
 * one new batch, and a batch that failed or that a dead drain abandoned is taken over whole, with its id
 * (its identifier at Stripe), never a part of it: a part sent under the batch's identifier would be
 * refused as a duplicate of the whole, or the whole of a part, and the rest marked sent unsent. Claims
 * are serialised by an advisory lock (one short statement each), so two drains never split a batch.
 * `ripeOnly` leaves the batches that are neither USAGE_BATCH_ROWS long nor USAGE_BATCH_MAX_AGE_SECONDS old.
 */
async function claim(limit: number, ripeOnly: boolean): Promise<Claimed[]> {
  const fresh = randomUUID()
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('subkit.usage_outbox.claim'))`)
    const res = await tx.execute<Claimed>(sql`
      with due as (
        select id, stripe_customer_id, meter, batch_id, created_at from public.usage_outbox
        where status = 'pending' and next_attempt_at <= now() and (claimed_until is null or claimed_until < now())
      ), batches as (
        select stripe_customer_id, meter, batch_id from due
        group by stripe_customer_id, meter, batch_id
        having not ${ripeOnly} or batch_id is not null or count(*) >= ${USAGE_BATCH_ROWS}
          or min(created_at) <= now() - make_interval(secs => ${USAGE_BATCH_MAX_AGE_SECONDS})
        order by min(created_at) limit ${limit}
      )
      update public.usage_outbox o
      set claimed_until = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS}),
          batch_id = coalesce(o.batch_id, 'usage_' || md5(${fresh} || o.stripe_customer_id || o.meter))
      from due join batches b on b.stripe_customer_id = due.stripe_customer_id and b.meter = due.meter
        and b.batch_id is not distinct from due.batch_id
      where o.id = due.id and o.status = 'pending'
      returning o.id, o.batch_id, o.stripe_customer_id, o.meter, o.value, extract(epoch from o.created_at)::float8 as at, o.attempts`)
    return res.rows
  })
}

/**
 * Sends due usage to Stripe: at most `limit` batches, `concurrency` at a time. `ripeOnly` (after() and
 * the cron) sends only batches worth a call now; billing:drain and the tests send everything due.
 */
export async function flushUsageOutbox({ limit = 200, concurrency = 4, ripeOnly = false } = {}): Promise<FlushReport> {
  const rows = await claim(limit, ripeOnly)
  const report: FlushReport = { batches: 0, rows: rows.length, units: 0, stripeCalls: 0, failed: 0, dead: 0 }
  const batches = new Map<string, Claimed[]>()
  for (const r of rows) batches.set(r.batch_id, [...(batches.get(r.batch_id) ?? []), r])
  report.batches = batches.size
  const queue = [...batches.entries()]
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await sendBatch(next[0], next[1], report)
    }),
  )
  return report
}

async function sendBatch(batchId: string, rows: Claimed[], report: FlushReport) {
  const first = rows[0] as Claimed
  const value = rows.reduce((s, r) => s + Number(r.value), 0)
  try {
    if (!isMeterKey(first.meter)) throw new Error(`unknown meter ${first.meter}`)
    report.stripeCalls++
    await sendMeterEvent({
      eventName: USAGE_METERS[first.meter].eventName,
      customerId: first.stripe_customer_id,
      value,
      identifier: batchId,
      // The newest usage's time: within the period it was recorded in, and never in the future.
      timestamp: Math.floor(Math.max(...rows.map((r) => r.at))),
    })
    await db.execute(sql`update public.usage_outbox set status = 'sent', sent_at = now(), claimed_until = null
      where batch_id = ${batchId} and status = 'pending'`)
    report.units += value
  } catch (err) {
    report.failed++
    const attempts = Math.max(...rows.map((r) => r.attempts)) + 1
    const dead = attempts >= env.billing.maxAttempts
    if (dead) report.dead++
    const message = err instanceof Error ? err.message : String(err)
    await db.execute(sql`update public.usage_outbox
      set attempts = ${attempts}, last_error = ${message.slice(0, 500)}, claimed_until = null,
          status = ${dead ? "dead" : "pending"},
          next_attempt_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)})
      where batch_id = ${batchId} and status = 'pending'`)
    log.warn("usage batch not sent", { batchId, attempts, dead, error: message })
  }
}

export type OutboxSummary = { pending: number; dead: { count: number; rows: { id: number; customer: string; error: string | null }[] } }

export async function usageOutboxSummary(): Promise<OutboxSummary> {
  const counts = await db.execute<{ status: string; n: number }>(
    sql`select status, count(*)::int n from public.usage_outbox where status <> 'sent' group by status`,
  )
  const dead = await db.execute<{ id: number; customer: string; error: string | null }>(
    sql`select id::int, stripe_customer_id customer, last_error error from public.usage_outbox where status = 'dead' order by id limit 20`,
  )
  const n = (s: string) => counts.rows.find((r) => r.status === s)?.n ?? 0
  return { pending: n("pending"), dead: { count: n("dead"), rows: dead.rows } }
}

/** Makes dead usage rows due again (npm run billing:events -- --retry-dead). */
export async function retryDeadUsage(): Promise<number> {
  const res = await db.execute(
    sql`update public.usage_outbox set status = 'pending', attempts = 0, next_attempt_at = now() where status = 'dead' returning id`,
  )
  return res.rows.length
}
