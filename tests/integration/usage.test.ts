// Usage ledger on the real Postgres: idempotency by key, a hard limit exact under concurrency, a Team's
// pooled allowance, overage past the allowance, the outbox written with the usage, and the HTTP route's
// answers (400 / 401 / 402 / 200).
import { randomUUID } from "node:crypto"
import { afterAll, describe, expect, it, vi } from "vitest"
import { createUser, sql } from "../support/helpers"

const { recordUsage, getUsage } = await import("@/lib/billing/usage/ledger")
const { handleUsageRequest } = await import("@/lib/billing/usage/usage-request")
const { USAGE_METERS } = await import("@/lib/billing/catalog")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
})

const FREE = USAGE_METERS.reports.free.included

/** A live subscription row as the webhook sync writes it (the sync itself is tested elsewhere). */
async function subscribe(userId: string, plan: "pro" | "team", quantity = 1) {
  const customer = `cus_usage_${randomUUID().slice(0, 8)}`
  const start = new Date(Date.now() - 86_400_000)
  const end = new Date(Date.now() + 29 * 86_400_000)
  await sql().query(
    `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, quantity, status, current_period_start, current_period_end, stripe_created_at)
     values ($1, $2, $3, $4, $5, 'active', $6, $7, now())`,
    [`sub_usage_${randomUUID().slice(0, 8)}`, userId, customer, plan, quantity, start, end],
  )
  return customer
}

const outboxFor = async (customer: string) =>
  (
    await sql().query<{ n: string; total: string }>(
      "select count(*) n, coalesce(sum(value), 0) total from public.usage_outbox where stripe_customer_id = $1",
      [customer],
    )
  ).rows[0]

describe("recordUsage", () => {
  it("counts a key once and answers a repeated key with the first answer", async () => {
    const user = await createUser()
    const first = await recordUsage({ userId: user.id, meter: "reports", value: 3, idempotencyKey: "k1" })
    expect(first).toMatchObject({ ok: true, used: 3, remaining: FREE - 3, duplicate: false })
    const again = await recordUsage({ userId: user.id, meter: "reports", value: 3, idempotencyKey: "k1" })
    expect(again).toMatchObject({ ok: true, used: 3, remaining: FREE - 3, duplicate: true })
    // The same key sent concurrently is still counted once.
    const burst = await Promise.all(
      Array.from({ length: 16 }, () => recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: "k2" })),
    )
    expect(burst.filter((r) => !r.duplicate)).toHaveLength(1)
    expect((await getUsage(user.id, "reports")).used).toBe(4)
  })

  it("Free's hard limit blocks exactly at the allowance, and nothing goes to Stripe", async () => {
    const user = await createUser()
    const answers = await Promise.all(
      Array.from({ length: FREE + 10 }, (_, i) => recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `f${i}` })),
    )
    expect(answers.filter((a) => a.ok)).toHaveLength(FREE)
    const refused = answers.find((a) => !a.ok)
    expect(refused).toMatchObject({ ok: false, code: "limit_reached", used: FREE, remaining: 0 })
    expect(await getUsage(user.id, "reports")).toMatchObject({ used: FREE, remaining: 0, atLimit: "blocked", plan: "free" })
    const big = await recordUsage({ userId: (await createUser()).id, meter: "reports", value: FREE + 1, idempotencyKey: "big" })
    expect(big).toMatchObject({ ok: false, used: 0 })
    expect((await sql().query("select 1 from public.usage_outbox where stripe_customer_id like 'cus_free%'")).rowCount).toBe(0)
  })

  it("64 concurrent callers against a hard limit of 1,000 record exactly 1,000", async () => {
    const user = await createUser()
    // A Free-style hard limit of 1,000 for this test: the counter's cap is the allowance.
    const catalog = USAGE_METERS.reports.free as { included: number }
    const before = catalog.included
    catalog.included = 1000
    try {
      let next = 0
      const results = { ok: 0, refused: 0 }
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < 1200) {
            const i = next++
            const r = await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `c${i}` })
            results[r.ok ? "ok" : "refused"]++
          }
        }),
      )
      expect(results).toEqual({ ok: 1000, refused: 200 })
      expect((await getUsage(user.id, "reports")).used).toBe(1000)
      const counted = await sql().query<{ n: string }>(
        "select count(*) n from public.usage_records where user_id = $1 and status = 'recorded'",
        [user.id],
      )
      expect(Number(counted.rows[0]?.n)).toBe(1000)
    } finally {
      catalog.included = before
    }
  })

  it("Pro bills past the allowance: no block, and every recorded unit has an outbox row for its customer", async () => {
    const user = await createUser()
    const customer = await subscribe(user.id, "pro")
    const included = USAGE_METERS.reports.pro.included
    const r = await recordUsage({ userId: user.id, meter: "reports", value: included + 7, idempotencyKey: "p1" })
    expect(r).toMatchObject({ ok: true, used: included + 7, remaining: 0, overage: 7 })
    expect(await getUsage(user.id, "reports")).toMatchObject({ plan: "pro", overage: 7, atLimit: "billed_as_overage" })
    await recordUsage({ userId: user.id, meter: "reports", value: included + 7, idempotencyKey: "p1" })
    expect(await outboxFor(customer)).toEqual({ n: "1", total: String(included + 7) })
  })

  it("a Pro recording is two round trips to Postgres: the allowance's one query, then record_usage", async () => {
    const user = await createUser()
    await subscribe(user.id, "pro")
    await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: "warm" })
    const query = vi.spyOn(pool, "query")
    try {
      const r = await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: "rt" })
      expect(r).toMatchObject({ ok: true, used: 2 })
      expect(query).toHaveBeenCalledTimes(2)
    } finally {
      query.mockRestore()
    }
  })

  it("concurrent recordings share round trips, and each answer is the one it would get alone", async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => createUser()))
    const customers = await Promise.all(users.map((u) => subscribe(u.id, "pro")))
    await Promise.all(users.map((u) => recordUsage({ userId: u.id, meter: "reports", value: 1, idempotencyKey: "warm" })))
    const query = vi.spyOn(pool, "query")
    try {
      // 8 users × 6 recordings at once, each user's last key sent twice.
      const calls = users.flatMap((u) => [0, 1, 2, 3, 4, 5, 5].map((k) => ({ userId: u.id, key: `b${k}` })))
      const answers = await Promise.all(
        calls.map((c) => recordUsage({ userId: c.userId, meter: "reports", value: 1, idempotencyKey: c.key })),
      )
      // Alone: 56 recordings × 2 round trips. Batched: a handful (2 in flight per statement at most).
      expect(query.mock.calls.length).toBeLessThan(20)
      for (const u of users) {
        const mine = answers.filter((_, i) => calls[i]?.userId === u.id)
        const fresh = mine.filter((a) => !a.duplicate)
        expect(fresh).toHaveLength(6)
        // Each saw the ones before it: used after warm-up 1 is 2..7, each once.
        expect(fresh.map((a) => a.used).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7])
        expect(mine.filter((a) => a.duplicate)).toHaveLength(1)
      }
    } finally {
      query.mockRestore()
    }
    for (const [i, u] of users.entries()) {
      expect((await getUsage(u.id, "reports")).used).toBe(7)
      expect(await outboxFor(customers[i] as string)).toEqual({ n: "7", total: "7" })
    }
  })

  it("a recording that fails fails alone: the others in its batch are recorded", async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => createUser()))
    await Promise.all(users.map((u) => subscribe(u.id, "pro")))
    const results = await Promise.allSettled(
      users.map((u, i) =>
        // 2^31 is past record_usage's integer: that statement fails, so the batch is retried one by one.
        recordUsage({ userId: u.id, meter: "reports", value: i === 2 ? 2 ** 31 : 1, idempotencyKey: "one" }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"])
    for (const [i, u] of users.entries()) expect((await getUsage(u.id, "reports")).used).toBe(i === 2 ? 0 : 1)
  })

  it("a Team's allowance is pooled across its members (per seat); only the units past the pool are reported, to the owner", async () => {
    const owner = await createUser()
    const member = await createUser()
    const customer = await subscribe(owner.id, "team", 2)
    const team = (await sql().query<{ id: string }>("insert into public.teams (owner_user_id) values ($1) returning id", [owner.id]))
      .rows[0]
    await sql().query("insert into public.team_members (team_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'member')", [
      team?.id,
      owner.id,
      member.id,
    ])
    const pool2 = USAGE_METERS.reports.team.perSeat * 2
    await recordUsage({ userId: owner.id, meter: "reports", value: 10, idempotencyKey: "t1" })
    const m = await recordUsage({ userId: member.id, meter: "reports", value: 5, idempotencyKey: "t1" })
    expect(m).toMatchObject({ ok: true, used: 15, remaining: pool2 - 15 })
    expect(await getUsage(owner.id, "reports")).toMatchObject({ plan: "team", used: 15, included: pool2 })
    // Within the pool nothing goes to the meter: Team's metered price bills every unit it is sent.
    expect(await outboxFor(customer)).toEqual({ n: "0", total: "0" })
    // Crossing the pool: only the units past it are reported (15 + pool2 used → 15 over).
    await recordUsage({ userId: member.id, meter: "reports", value: pool2, idempotencyKey: "t2" })
    expect(await outboxFor(customer)).toEqual({ n: "1", total: "15" })
    await recordUsage({ userId: owner.id, meter: "reports", value: 4, idempotencyKey: "t3" })
    expect(await outboxFor(customer)).toEqual({ n: "2", total: "19" })
  })
})

describe("POST /api/usage/<meter> (handleUsageRequest)", () => {
  const post = (body: unknown, meter = "reports", userId: string | null = null) =>
    handleUsageRequest(
      new Request("http://app.test/api/usage/" + meter, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) }),
      meter,
      userId,
    )

  it("answers 401 signed out, 400 for bad input, 200 then the same answer for a repeated key, 402 at the limit", async () => {
    const user = await createUser()
    expect((await post({ value: 1, idempotency_key: "a" })).status).toBe(401)
    for (const bad of [
      { value: 1.5, idempotency_key: "a" },
      { value: -1, idempotency_key: "a" },
      { value: 0, idempotency_key: "a" },
      { value: 10_000_000, idempotency_key: "a" },
      { value: "1", idempotency_key: "a" },
      { value: 1 },
      { value: 1, idempotency_key: "" },
      { value: 1, idempotency_key: "x".repeat(201) },
      { value: 1, idempotency_key: "a", extra: true },
      "not json",
    ]) {
      const res = await post(bad, "reports", user.id)
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toEqual(expect.any(String))
    }
    const unknown = await post({ value: 1, idempotency_key: "a" }, "nope", user.id)
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({ error: { message: "Unknown meter: nope" } })

    const ok = await post({ value: FREE - 1, idempotency_key: "a" }, "reports", user.id)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ used: FREE - 1, remaining: 1 })
    const same = await post({ value: FREE - 1, idempotency_key: "a" }, "reports", user.id)
    expect(await same.json()).toEqual({ used: FREE - 1, remaining: 1 })
    const over = await post({ value: 2, idempotency_key: "b" }, "reports", user.id)
    expect(over.status).toBe(402)
    expect(await over.json()).toMatchObject({ error: { code: "limit_reached", message: expect.stringMatching(/Upgrade/) }, remaining: 1 })
  })

  it("every answer is JSON marked no-transform, so Next's gzip leaves these small bodies alone", async () => {
    const user = await createUser()
    for (const res of [
      await post({ value: 1, idempotency_key: "a" }),
      await post("not json", "reports", user.id),
      await post({ value: 1, idempotency_key: "len" }, "reports", user.id),
    ]) {
      expect(res.headers.get("content-type")).toBe("application/json")
      expect(res.headers.get("cache-control")).toBe("no-store, no-transform")
      expect(Buffer.byteLength(await res.text())).toBeLessThan(1024)
    }
  })
})
