// The one outbox mechanism. Every side effect that leaves the app (a Stripe call, an email) is a row
// written in the transaction that decided it and sent later by a flusher (the drain, the cron, after()),
// never on a request path. Each outbox is its own table with the same lifecycle columns (status,
// attempts, next_attempt_at, claimed_until, claimed_by, last_error, sent_at); this module owns what
// they share: claiming due rows (FOR UPDATE SKIP LOCKED, with a lease, so a crashed flusher's rows come
// back when it runs out), sending them in batches at a bounded concurrency, paced like the drain,
// retrying a failure with backoff, dead-lettering after the maximum attempts, and listing and retrying
// dead rows. An outbox supplies only what differs: its table, the columns its sender reads, how rows
// form a batch, the batch size, and how to send one batch.
import "server-only"
import { randomUUID } from "node:crypto"
import { sql, type SQL } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { log } from "@/lib/log"
import { paceDrain } from "../sync/pace"
import { retryDelaySeconds } from "../sync/retry"

export type Claimed<R> = R & { id: string; attempts: number }
/** Rows sent together: one Stripe call or one email. Its id is kept across retries (a Stripe identifier). */
export type Batch<R> = { id: string; rows: Claimed<R>[] }
/** A sender's answer: nothing (sent), another done status (an email the user turned off: skipped), columns to set. */
export type Sent = void | { status?: string; set?: SQL }

/** Thrown by a sender for a row that can never succeed: dead at once, not retried. */
export class PermanentFailure extends Error {}

export type OutboxSpec<R> = {
  /** How billing:events, the cron and the logs name it. */
  name: string
  /** Schema-qualified, e.g. public.usage_outbox (code, never input). */
  table: string
  /** What the sender reads, as `o.column` (the claimed row is `o`). */
  columns: SQL
  /** The batch id of a claimed row (`fresh` is new for each claim): rows of one claim with the same id are one
   * batch, and the id (batch_id) stays with them through retries. None: a row is a batch. */
  batchKey?: (fresh: string) => SQL
  /** Rows claimed per flush. */
  batchSize: number
  /** Batches sent at once. */
  concurrency: number
  leaseSeconds: number
  maxAttempts: () => number
  /** What a dead row's listing shows besides id, attempts and error. */
  deadColumns: SQL
  /** Sends one batch; `count` adds to the flush's report (e.g. Stripe calls, units). Throwing retries it. */
  send: (batch: Batch<R>, count: (key: string, n?: number) => void) => Promise<Sent>
  /** Awaited before each batch: gives the event loop back to pages (the drain's pace). */
  pace?: () => Promise<void>
}

export type FlushResult = {
  claimed: number
  batches: number
  sent: number
  skipped: number
  /** Failed sends, the dead ones included. */
  failed: number
  dead: number
  counts: Record<string, number>
}

export type DeadRow = { id: number; attempts: number; error: string | null } & Record<string, unknown>
export type OutboxSummary<D = DeadRow> = { pending: number; dead: { count: number; rows: D[] } }

export type Outbox<R> = {
  spec: OutboxSpec<R>
  flush(options?: { limit?: number; concurrency?: number }): Promise<FlushResult>
  /** Claims without sending (a flusher that then dies, in tests; flush uses it). */
  claim(limit: number, owner: string): Promise<Batch<R>[]>
  summary<D extends object = DeadRow>(): Promise<OutboxSummary<D>>
  /** Makes every dead row due again with its attempts reset (npm run billing:events -- --retry-dead). */
  retryDead(): Promise<number>
}

/** A row of alias `a` that is due: pending, its backoff over, and no live lease on it. */
const due = (a: string) =>
  sql.raw(`${a}.status = 'pending' and ${a}.next_attempt_at <= now() and (${a}.claimed_until is null or ${a}.claimed_until < now())`)

export function defineOutbox<R extends Record<string, unknown>>(spec: OutboxSpec<R>): Outbox<R> {
  const t = sql.raw(spec.table)

  async function claim(limit: number, owner: string): Promise<Batch<R>[]> {
    // A batch that a dead flusher abandoned (batch_id set) is taken over whole: its other due rows too.
    const { rows } = await db.execute<{ id: string; attempts: number; batch_id: string; resumed: boolean }>(
      spec.batchKey
        ? sql`with due as (select d.id, d.batch_id from ${t} d where ${due("d")} order by d.id limit ${limit} for update skip locked),
            rest as (select x.id, x.batch_id from ${t} x where x.batch_id in (select batch_id from due)
                     and x.id not in (select id from due) and ${due("x")} for update skip locked),
            claimed as (select * from due union all select * from rest)
          update ${t} o set claimed_until = now() + make_interval(secs => ${spec.leaseSeconds}), claimed_by = ${owner},
            batch_id = coalesce(o.batch_id, ${spec.batchKey(owner)})
          from claimed where o.id = claimed.id
          returning o.id::text, o.attempts, o.batch_id, claimed.batch_id is not null as resumed, ${spec.columns}`
        : sql`with due as (select d.id from ${t} d where ${due("d")} order by d.id limit ${limit} for update skip locked)
          update ${t} o set claimed_until = now() + make_interval(secs => ${spec.leaseSeconds}), claimed_by = ${owner}
          from due where o.id = due.id
          returning o.id::text, o.attempts, o.id::text as batch_id, false as resumed, ${spec.columns}`,
    )
    const batches = new Map<string, Claimed<R>[]>()
    const resumed: string[] = []
    for (const r of rows) {
      if (r.resumed && !batches.has(r.batch_id)) resumed.push(r.batch_id)
      batches.set(r.batch_id, [...(batches.get(r.batch_id) ?? []), r as unknown as Claimed<R>])
    }
    // Two flushers that each took part of an abandoned batch (or rows of it still leased) send neither part:
    // both let go, and the next claim takes it whole (a part sent under the batch's id would lose the rest).
    if (resumed.length) {
      const { rows: whole } = await db.execute<{ batch_id: string; n: number }>(
        sql`select batch_id, count(*)::int n from ${t} where batch_id in ${resumed} and status = 'pending' group by batch_id`,
      )
      for (const { batch_id, n } of whole) {
        const part = batches.get(batch_id) ?? []
        if (part.length >= n) continue
        batches.delete(batch_id)
        await release(part, owner)
      }
    }
    return [...batches].map(([id, rows]) => ({ id, rows }))
  }

  async function release(rows: Claimed<R>[], owner: string, set: SQL = sql``) {
    const ids = rows.map((r) => r.id)
    // One array parameter (drizzle spreads a JS array into a list); the ids are bigint text.
    const idList = `{${ids.join(",")}}`
    const res = await db.execute(
      sql`update ${t} set claimed_until = null, claimed_by = null${set} where id = any(${idList}::bigint[]) and claimed_by = ${owner} and status = 'pending'`,
    )
    // The lease ran out during the send and another flusher took the rows over: its outcome counts.
    if ((res.rowCount ?? 0) < ids.length) log.warn(`${spec.name} outbox: lease lost before the outcome was written`, { owner })
  }

  async function attempt(batch: Batch<R>, owner: string, result: FlushResult) {
    const count = (key: string, n = 1) => (result.counts[key] = (result.counts[key] ?? 0) + n)
    try {
      const done = (await spec.send(batch, count)) ?? {}
      const status = done.status ?? "sent"
      await release(
        batch.rows,
        owner,
        sql`, status = ${status}, sent_at = now(), last_error = null${done.set ? sql`, ${done.set}` : sql``}`,
      )
      if (status === "sent") result.sent++
      else result.skipped++
    } catch (err) {
      const attempts = Math.max(...batch.rows.map((r) => r.attempts)) + 1
      const dead = err instanceof PermanentFailure || attempts >= spec.maxAttempts()
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 500)
      result.failed++
      if (dead) result.dead++
      await release(
        batch.rows,
        owner,
        sql`, attempts = ${attempts}, last_error = ${error}, status = ${dead ? "dead" : "pending"},
          next_attempt_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)})`,
      )
      log.warn(`${spec.name} outbox: not sent`, { batch: batch.id, rows: batch.rows.length, attempts, dead, error })
    }
  }

  return {
    spec,
    claim,
    async flush({ limit = spec.batchSize, concurrency = spec.concurrency } = {}) {
      const owner = randomUUID()
      const batches = await claim(limit, owner)
      const result: FlushResult = { claimed: 0, batches: batches.length, sent: 0, skipped: 0, failed: 0, dead: 0, counts: {} }
      for (const b of batches) result.claimed += b.rows.length
      const pace = spec.pace ?? (() => paceDrain())
      await Promise.all(
        Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
          for (let b = batches.shift(); b; b = batches.shift()) {
            await pace()
            await attempt(b, owner, result)
          }
        }),
      )
      return result
    },
    async summary<D extends object = DeadRow>(): Promise<OutboxSummary<D>> {
      const counts = await db.execute<{ status: string; n: number }>(
        sql`select status, count(*)::int n from ${t} where status in ('pending', 'dead') group by status`,
      )
      const dead = await db.execute<Record<string, unknown>>(
        sql`select id::int, attempts, last_error error, ${spec.deadColumns} from ${t} where status = 'dead' order by id limit 20`,
      )
      const n = (s: string) => counts.rows.find((r) => r.status === s)?.n ?? 0
      return { pending: n("pending"), dead: { count: n("dead"), rows: dead.rows as D[] } }
    },
    async retryDead() {
      const res = await db.execute(
        sql`update ${t} set status = 'pending', attempts = 0, next_attempt_at = now(), claimed_until = null, claimed_by = null
          where status = 'dead' returning id`,
      )
      return res.rows.length
    },
  }
}
