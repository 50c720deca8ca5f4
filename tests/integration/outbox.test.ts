// The one outbox mechanism (lib/billing/outbox/outbox.ts) on a real PostgreSQL server, over a table of
// its own with the lifecycle columns every outbox table has: concurrent flushers send each row once, a
// flusher that dies mid-batch gives its rows back when its lease runs out (and writes nothing if it wakes
// up), a failure backs off, and after the maximum attempts a row is dead, listed and retried.
import { randomUUID } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { sql as q } from "drizzle-orm"
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest"
import { sql } from "../support/helpers"

const { defineOutbox, PermanentFailure } = await import("@/lib/billing/outbox/outbox")
const { OUTBOXES } = await import("@/lib/billing/outbox/all")
const { pool } = await import("@/lib/db/client")
type Spec = Parameters<typeof defineOutbox<Row>>[0]
type Row = { payload: string; grp: string }

const box = (spec: Partial<Spec> & Pick<Spec, "send">) =>
  defineOutbox<Row>({
    name: "test",
    table: "test_support.outbox_rows",
    columns: q`o.payload, o.grp`,
    batchSize: 10,
    concurrency: 2,
    leaseSeconds: 30,
    maxAttempts: () => 3,
    deadColumns: q`payload`,
    ...spec,
  })
const grouped = (fresh: string) => q`md5(${fresh} || o.grp)`
const insert = (n: number, grp = "a") =>
  sql().query("insert into test_support.outbox_rows (payload, grp) select 'p' || i, $2 from generate_series(1, $1) i", [n, grp])
const rows = async () =>
  (
    await sql().query<{
      payload: string
      status: string
      attempts: number
      wait: number
      last_error: string | null
      claimed_by: string | null
    }>(
      `select payload, status, attempts, extract(epoch from next_attempt_at - now())::float8 wait, last_error, claimed_by
       from test_support.outbox_rows order by id`,
    )
  ).rows

describe.runIf(inject("databaseKind") === "postgres")("the outbox mechanism", () => {
  beforeAll(async () => {
    await sql().query(`create schema if not exists test_support;
      create table test_support.outbox_rows (
        id bigserial primary key, payload text not null, grp text not null,
        status text not null default 'pending', batch_id text, claimed_until timestamptz, claimed_by text,
        attempts integer not null default 0, next_attempt_at timestamptz not null default now(),
        last_error text, sent_at timestamptz, message_id text);
      create index on test_support.outbox_rows (next_attempt_at) where status = 'pending';`)
  })
  beforeEach(() => sql().query("truncate test_support.outbox_rows"))
  afterAll(async () => {
    // The shared database must end as the migrations left it (database.test.ts checks every table).
    await sql().query("drop schema if exists test_support cascade")
    await pool.end()
  })

  it("many concurrent flushers send every row exactly once", async () => {
    await insert(240)
    const seen = new Map<string, number>()
    const sender = box({
      batchSize: 7,
      concurrency: 3,
      async send({ rows }) {
        for (const r of rows) seen.set(r.payload, (seen.get(r.payload) ?? 0) + 1)
        await sleep(Math.random() * 4)
      },
    })
    // Twelve flushers at once (as on twelve instances), each flushing until it finds nothing due.
    const reports = await Promise.all(
      Array.from({ length: 12 }, async () => {
        let sent = 0
        for (let r = await sender.flush(); r.claimed; r = await sender.flush()) sent += r.sent
        return sent
      }),
    )
    expect(reports.reduce((a, b) => a + b, 0)).toBe(240)
    expect(reports.filter((n) => n > 0).length).toBeGreaterThan(1)
    expect(seen.size).toBe(240)
    expect([...seen.values()].filter((n) => n !== 1)).toEqual([])
    expect((await rows()).filter((r) => r.status !== "sent" || r.claimed_by !== null)).toEqual([])
  })

  it("a flusher that dies mid-batch: its rows come back after the lease, under the same batch id, and it writes nothing if it wakes", async () => {
    await insert(3)
    let wake: (() => void) | undefined
    const sentIds: string[] = []
    // The first flusher claims the batch and hangs in its send (as a killed process never answers).
    const stuck = box({
      leaseSeconds: 1,
      batchKey: grouped,
      send: ({ id }) => {
        sentIds.push(id)
        return new Promise<void>((_, reject) => (wake = () => reject(new Error("woke up too late"))))
      },
    }).flush()
    while (!wake) await sleep(10)
    const live = box({
      batchKey: grouped,
      // The stuck flusher wakes (and fails) while this one is sending its rows.
      async send({ id }) {
        sentIds.push(id)
        wake?.()
        await stuck
      },
    })
    // Within its lease nobody takes the rows.
    expect((await live.flush()).claimed).toBe(0)
    await sleep(1_100)
    expect(await live.flush()).toMatchObject({ claimed: 3, batches: 1, sent: 1, failed: 0 })
    expect(await stuck).toMatchObject({ claimed: 3, failed: 1 })
    // One batch id for both tries (a Stripe identifier: counted once); the late failure changed nothing.
    expect(sentIds).toHaveLength(2)
    expect(sentIds[1]).toBe(sentIds[0])
    expect((await rows()).map((r) => [r.status, r.attempts, r.last_error])).toEqual(Array(3).fill(["sent", 0, null]))
  })

  it("an abandoned batch is taken over whole, even past the claim's limit; a part that another holds is not sent", async () => {
    await insert(4)
    const sent: { id: string; n: number }[] = []
    const sender = box({ batchKey: grouped, leaseSeconds: 1, send: async ({ id, rows }) => void sent.push({ id, n: rows.length }) })
    const owner = randomUUID()
    const [abandoned] = await sender.claim(10, owner)
    expect(abandoned?.rows).toHaveLength(4)
    await sleep(1_100)
    // Half the abandoned batch is locked by another flusher's claim in progress: this one sends no part of it.
    const other = await sql().connect()
    try {
      await other.query("begin")
      await other.query("select id from test_support.outbox_rows order by id limit 2 for update")
      expect(await sender.flush({ limit: 10 })).toMatchObject({ claimed: 0, sent: 0 })
      // The part it took is let go at once (the abandoned part keeps its dead owner until its lease is taken).
      expect((await rows()).filter((r) => r.claimed_by !== null && r.claimed_by !== owner)).toEqual([])
    } finally {
      await other.query("rollback")
      other.release()
    }
    // A claim of 2 takes the other 2 rows of the batch too: 4 units under the batch's id, in one send.
    expect(await sender.flush({ limit: 2 })).toMatchObject({ claimed: 4, batches: 1, sent: 1 })
    expect(sent).toEqual([{ id: abandoned?.id, n: 4 }])
  })

  it("a failed send is retried with backoff: not before its delay, and the delay grows", async () => {
    await insert(1)
    const sender = box({
      send: async () => {
        throw new Error("451 try again later")
      },
    })
    expect(await sender.flush()).toMatchObject({ claimed: 1, failed: 1, dead: 0 })
    const [first] = await rows()
    expect(first).toMatchObject({ status: "pending", attempts: 1, last_error: "451 try again later", claimed_by: null })
    expect(first?.wait).toBeGreaterThan(0.9) // retryDelaySeconds(1): 1–2 s
    expect(first?.wait).toBeLessThan(2.1)
    expect((await sender.flush()).claimed).toBe(0)
    await sql().query("update test_support.outbox_rows set next_attempt_at = now()")
    expect(await sender.flush()).toMatchObject({ claimed: 1, failed: 1 })
    const [second] = await rows()
    expect(second?.attempts).toBe(2)
    expect(second?.wait).toBeGreaterThan(1.9) // retryDelaySeconds(2): 2–4 s
    expect(second?.wait).toBeLessThan(4.1)
  })

  it("after the maximum attempts a row is dead, listed with its error, and --retry-dead sends it; a permanent failure is dead at once", async () => {
    await insert(1, "smtp")
    await insert(1, "bad")
    let smtpUp = false
    const sender = box({
      async send({ rows: [row] }) {
        if (row?.grp === "bad") throw new PermanentFailure("template does not render")
        if (!smtpUp) throw new Error("550 mailbox unavailable")
      },
    })
    expect(await sender.flush()).toMatchObject({ claimed: 2, failed: 2, dead: 1 })
    for (let i = 1; i < 3; i++) {
      await sql().query("update test_support.outbox_rows set next_attempt_at = now() where status = 'pending'")
      await sender.flush()
    }
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ["dead", 3],
      ["dead", 1],
    ])
    expect((await sender.flush()).claimed).toBe(0)
    const summary = await sender.summary()
    expect(summary).toMatchObject({ pending: 0, dead: { count: 2 } })
    expect(summary.dead.rows.map(({ id: _, ...r }) => r)).toEqual([
      { attempts: 3, error: "550 mailbox unavailable", payload: "p1" },
      { attempts: 1, error: "template does not render", payload: "p1" },
    ])
    smtpUp = true
    expect(await sender.retryDead()).toBe(2)
    expect(await sender.flush()).toMatchObject({ claimed: 2, sent: 1, dead: 1 })
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ["sent", 0],
      ["dead", 1],
    ])
  })

  it("every outbox table has the lifecycle columns and an index for the claim", async () => {
    for (const o of OUTBOXES) {
      const table = o.spec.table.replace(/^public\./, "")
      const { rows: cols } = await sql().query<{ column_name: string }>(
        "select column_name from information_schema.columns where table_schema = 'public' and table_name = $1",
        [table],
      )
      const names = cols.map((c) => c.column_name)
      for (const c of ["status", "attempts", "next_attempt_at", "claimed_until", "claimed_by", "batch_id", "last_error", "sent_at"])
        expect(names, `${table}.${c}`).toContain(c)
      const { rows: indexes } = await sql().query<{ indexdef: string }>("select indexdef from pg_indexes where tablename = $1", [table])
      expect(
        indexes.some((i) => i.indexdef.includes("(next_attempt_at) WHERE (status = 'pending'::text)")),
        table,
      ).toBe(true)
    }
  })
})
