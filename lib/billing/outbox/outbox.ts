// The one outbox mechanism (docs/architecture.md, "Outboxes"): claim with a lease, batches, the paced send
// loop, backoff, dead letters and their retry, over any table with the outbox lifecycle columns. An outbox
// supplies only what differs: its table, the columns its sender reads, batch key and size, and send.
import "server-only"
import { randomUUID } from "node:crypto"
import { sql, type SQL } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { forEachLimited, paceDrain } from "../sync/pace"
import { retryDelaySeconds } from "../sync/retry"

/** Rows sent together (one Stripe call, one email). Its id stays with them through retries: a Stripe identifier. */
export type Batch<R> = { id: string; rows: Claimed<R>[] }
type Claimed<R> = R & { id: string; attempts: number }
/** Thrown by a sender for a row that can never succeed: dead at once, not retried. */
export class PermanentFailure extends Error {}

export type OutboxSpec<R> = {
  name: string // how billing:events, the cron and the logs call it
  table: string // schema-qualified; code, never input
  columns: SQL // what the sender reads, as o.column
  /** The batch id of a claimed row (`fresh` is new for each claim); rows of one claim with one id are one batch. Default: a row each. */
  batchKey?: (fresh: string) => SQL
  batchSize: number // rows claimed per flush
  concurrency?: number // batches sent at once (4)
  leaseSeconds?: number // (90)
  maxAttempts?: () => number // (BILLING_MAX_ATTEMPTS)
  deadColumns: SQL // what a dead row's listing shows besides id, attempts and error
  /** Sends one batch; `count` adds to the report (whose `failed` includes the dead). Throwing retries it; the answer may name another done status (skipped) or columns to set. */
  send: (batch: Batch<R>, count: (key: string, n?: number) => void) => Promise<void | { status?: string; set?: SQL }>
}

export type FlushResult = Record<"claimed" | "batches" | "sent" | "skipped" | "failed" | "dead", number> & { counts: Counts }
type Counts = Record<string, number>
export type DeadRow = { id: number; attempts: number; error: string | null }
export type OutboxSummary<D = DeadRow> = { pending: number; dead: { count: number; rows: D[] } }

/** Alias `a`'s row is due: pending, past its backoff, and no live lease on it. */
const due = (a: string) =>
  sql.raw(`${a}.status = 'pending' and ${a}.next_attempt_at <= now() and (${a}.claimed_until is null or ${a}.claimed_until < now())`)

export function defineOutbox<R extends Record<string, unknown>>(spec: OutboxSpec<R>) {
  const t = sql.raw(spec.table)

  async function claim(limit: number, owner: string): Promise<Batch<R>[]> {
    // Due rows for `owner`; an abandoned batch (batch_id kept) is taken over whole, past the limit (`whole`: its pending rows).
    const { rows } = await db.execute<{ id: string; attempts: number; batch_id: string; whole: number | null }>(sql`
      with due as (select d.id, d.batch_id from ${t} d where ${due("d")} order by d.id limit ${limit} for update skip locked),
        rest as (select x.id, x.batch_id from ${t} x where x.batch_id in (select batch_id from due)
                 and x.id not in (select id from due) and ${due("x")} for update skip locked),
        whole as (select batch_id, count(*)::int n from ${t} where batch_id in (select batch_id from due) and status = 'pending' group by 1),
        claimed as (select * from due union all select * from rest)
      update ${t} o set claimed_until = now() + make_interval(secs => ${spec.leaseSeconds ?? 90}), claimed_by = ${owner},
        batch_id = coalesce(o.batch_id, ${spec.batchKey?.(owner) ?? sql`o.id::text`})
      from claimed left join whole using (batch_id) where o.id = claimed.id
      returning o.id::text, o.attempts, o.batch_id, whole.n as whole, ${spec.columns}`)
    const batches = new Map<string, Claimed<R>[]>()
    for (const r of rows) batches.set(r.batch_id, [...(batches.get(r.batch_id) ?? []), r as unknown as Claimed<R>])
    // Parts of one batch held by two flushers are let go, not sent (Stripe would drop the rest as a duplicate id).
    for (const { batch_id, whole } of rows) {
      const part = batches.get(batch_id)
      if (part && (whole ?? 0) > part.length && batches.delete(batch_id)) await release(part, owner, sql``)
    }
    return [...batches].map(([id, rows]) => ({ id, rows }))
  }

  /** Writes the outcome, only while the rows are still this flush's (a flusher whose lease was taken over writes nothing). */
  async function release(rows: Claimed<R>[], owner: string, set: SQL) {
    const ids = `{${rows.map((r) => r.id).join(",")}}` // one bigint[] parameter (drizzle spreads a JS array)
    const res = await db.execute(sql`update ${t} set claimed_until = null, claimed_by = null${set}
      where id = any(${ids}::bigint[]) and claimed_by = ${owner} and status = 'pending'`)
    if ((res.rowCount ?? 0) < rows.length) log.warn(`${spec.name} outbox: the lease ran out before the outcome`, { owner })
  }

  async function attempt(batch: Batch<R>, owner: string, result: FlushResult) {
    const write = (set: SQL) => release(batch.rows, owner, set)
    try {
      const done = (await spec.send(batch, (key, n = 1) => (result.counts[key] = (result.counts[key] ?? 0) + n))) ?? {}
      const status = done.status ?? "sent"
      await write(sql`, status = ${status}, sent_at = now(), last_error = null${done.set ? sql`, ${done.set}` : sql``}`)
      result[status === "sent" ? "sent" : "skipped"]++
    } catch (err) {
      const attempts = Math.max(...batch.rows.map((r) => r.attempts)) + 1
      const dead = err instanceof PermanentFailure || attempts >= (spec.maxAttempts?.() ?? env.billing.maxAttempts)
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 500)
      result.failed++
      result.dead += dead ? 1 : 0
      await write(sql`, attempts = ${attempts}, last_error = ${error}, status = ${dead ? "dead" : "pending"},
        next_attempt_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)})`)
      log.warn(`${spec.name} outbox: not sent`, { batch: batch.id, rows: batch.rows.length, attempts, dead, error })
    }
  }

  return {
    spec,
    claim,
    /** Claims up to `limit` due rows and sends their batches, `concurrency` at a time, each after the drain's pace. */
    async flush({ limit = spec.batchSize, concurrency = spec.concurrency ?? 4 } = {}): Promise<FlushResult> {
      const owner = randomUUID()
      const batches = await claim(limit, owner)
      const claimed = batches.reduce((n, b) => n + b.rows.length, 0)
      const result: FlushResult = { claimed, batches: batches.length, sent: 0, skipped: 0, failed: 0, dead: 0, counts: {} }
      await forEachLimited(batches, concurrency, (b) => paceDrain().then(() => attempt(b, owner, result)))
      return result
    },
    async summary<D = DeadRow>(): Promise<OutboxSummary<D>> {
      const { rows } = await db.execute<{ pending: number; dead: number; list: D[] }>(sql`select
        count(*) filter (where status = 'pending')::int pending, count(*) filter (where status = 'dead')::int dead,
        (select coalesce(json_agg(d order by d.id), '[]') from (select id::int, attempts, last_error error, ${spec.deadColumns}
          from ${t} where status = 'dead' order by id limit 20) d) list
        from ${t} where status in ('pending', 'dead')`)
      const { pending = 0, dead = 0, list = [] } = rows[0] ?? {}
      return { pending, dead: { count: dead, rows: list } }
    },
    /** Makes every dead row due again, its attempts reset (npm run billing:events -- --retry-dead). */
    async retryDead(): Promise<number> {
      const res = await db.execute(sql`update ${t} set status = 'pending', attempts = 0, next_attempt_at = now(), claimed_until = null,
        claimed_by = null where status = 'dead' returning id`)
      return res.rows.length
    },
  }
}
