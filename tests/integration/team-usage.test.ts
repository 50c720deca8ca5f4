// A Team's usage pool on the real Postgres (issue 19, "a Team's pool shared by two members"): two members
// recording at once draw on one counter of perSeat × seats, the team's; only the units past the pool go to
// Stripe, to the owner's customer, and Stripe's meter agrees; each member's meter shows the team's figures;
// the owner's usage counts in the pool before the team page was ever opened; a seat change moves the
// allowance at once and the overage shown stays what was billed.
import { randomUUID } from "node:crypto"
import { afterAll, describe, expect, it } from "vitest"
import { createUser, sql, stripeClient } from "../support/helpers"
import { must } from "../support/must"

const { recordUsage, getUsage } = await import("@/lib/billing/usage/ledger")
const { flushUsageOutbox } = await import("@/lib/billing/usage/outbox")
const { ensureMeter, meterTotal } = await import("@/lib/stripe/meters")
const { ensureTeam } = await import("@/lib/billing/team/view")
const { settleTeamPools } = await import("@/lib/billing/usage/pool")
const { db } = await import("@/lib/db/client")
const { userSubscriptions } = await import("@/lib/db/schema")
const { eq } = await import("drizzle-orm")
const { subscribedUser } = await import("../support/billing")
const { syncUserNow } = await import("@/lib/billing/sync/eager")
const { USAGE_METERS } = await import("@/lib/billing/catalog")
const { pool } = await import("@/lib/db/client")
const { hasEntitlement } = await import("@/lib/billing/views/entitlements")

afterAll(async () => {
  await pool.end()
})

const PER_SEAT = USAGE_METERS.reports.team.perSeat

/** A Team owner: a Stripe customer on a test clock frozen at now, and a live Team row as the sync writes it. */
async function teamOwner(seats: number) {
  const stripe = stripeClient()
  const owner = await createUser()
  // A clock at the real now: earlier suites move the emulator's own timeline on by weeks, and Stripe
  // refuses meter events more than 35 days before the customer's time.
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = (await stripe.customers.create({ email: owner.email, test_clock: clock.id })).id
  const subscription = `sub_team_${randomUUID().slice(0, 8)}`
  const periodEnd = new Date(Date.now() + 29 * 86_400_000)
  await sql().query(
    `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, quantity, status, current_period_start, current_period_end, stripe_created_at)
     values ($1, $2, $3, 'team', $4, 'active', now() - interval '1 day', $5, now())`,
    [subscription, owner.id, customer, seats, periodEnd],
  )
  return { owner, customer, subscription, periodEnd }
}

async function join(ownerId: string, memberId: string) {
  await ensureTeam(ownerId)
  const team = (await sql().query<{ id: string }>("select id from public.teams where owner_user_id = $1", [ownerId])).rows[0]
  await sql().query("insert into public.team_members (team_id, user_id, role) values ($1, $2, 'member')", [team?.id, memberId])
  return team?.id as string
}

const counters = async (...subjects: string[]) =>
  (
    await sql().query<{ subject: string; used: string }>(
      "select subject, used from public.usage_counters where subject = any($1) and meter = 'reports' order by subject",
      [subjects],
    )
  ).rows.map((r) => ({ subject: r.subject, used: Number(r.used) }))

const outboxTotal = async (customer: string) =>
  Number(
    (
      await sql().query<{ total: string }>(
        "select coalesce(sum(value), 0) total from public.usage_outbox where stripe_customer_id = $1 and meter = 'reports'",
        [customer],
      )
    ).rows[0]?.total,
  )

describe("a Team's usage pool", () => {
  it("two members recording at once draw on one pool of perSeat × seats; the overage goes once, to the owner's customer", async () => {
    await ensureMeter(USAGE_METERS.reports.eventName, USAGE_METERS.reports.name)
    const { owner, customer, periodEnd } = await teamOwner(2)
    const member = await createUser()
    const teamId = await join(owner.id, member.id)
    const pool2 = PER_SEAT * 2
    const each = pool2 / 2 + 100 // 800 in all: 200 past the pool
    // 16 concurrent callers per person, both people at once.
    const burst = (userId: string, tag: string) => {
      let next = 0
      return Promise.all(
        Array.from({ length: 16 }, async () => {
          const answers = []
          while (next < each) answers.push(await recordUsage({ userId, meter: "reports", value: 1, idempotencyKey: `${tag}${next++}` }))
          return answers
        }),
      ).then((a) => a.flat())
    }
    const [a, b] = await Promise.all([burst(owner.id, "o"), burst(member.id, "m")])
    expect([...a, ...b].every((r) => r.ok)).toBe(true)
    // The answers' `used` values are every count from 1 to 800 exactly once: one counter, no lost update.
    expect([...a, ...b].map((r) => r.used).sort((x, y) => x - y)).toEqual(Array.from({ length: 2 * each }, (_, i) => i + 1))
    // One ledger row, the team's; none of the members' own.
    expect(await counters(`team:${teamId}`, `user:${owner.id}`, `user:${member.id}`)).toEqual([
      { subject: `team:${teamId}`, used: 2 * each },
    ])
    // Each member's meter shows the team's total, its pool and the owner's reset date.
    for (const id of [owner.id, member.id])
      expect(await getUsage(id, "reports")).toMatchObject({
        plan: "team",
        used: 2 * each,
        included: pool2,
        remaining: 0,
        overage: 2 * each - pool2,
        atLimit: "billed_as_overage",
        periodEnd,
        payerUserId: owner.id,
      })
    expect((await getUsage(member.id, "reports")).canBuyCredits).toBe(false)
    // Only the units past the pool are reported (Team's price bills every unit it is sent), to the owner.
    expect(await outboxTotal(customer)).toBe(2 * each - pool2)
    await sql().query(
      "update public.usage_outbox set next_attempt_at = now() + interval '1 day' where stripe_customer_id <> $1 and status = 'pending'",
      [customer],
    )
    const report = await flushUsageOutbox()
    expect(report).toMatchObject({ units: 2 * each - pool2, failed: 0 })
    const now = Date.now() / 1000
    expect(await meterTotal(USAGE_METERS.reports.eventName, customer, now - 3600, now + 120)).toBe(2 * each - pool2)
  })

  it("the owner's usage before the team exists (the team page never opened) is in the same pool", async () => {
    const { owner, customer } = await teamOwner(2)
    const first = await recordUsage({ userId: owner.id, meter: "reports", value: PER_SEAT, idempotencyKey: "before" })
    expect(first).toMatchObject({ ok: true, used: PER_SEAT })
    const member = await createUser()
    const teamId = await join(owner.id, member.id)
    const m = await recordUsage({ userId: member.id, meter: "reports", value: PER_SEAT + 5, idempotencyKey: "after" })
    expect(m).toMatchObject({ ok: true, used: 2 * PER_SEAT + 5, overage: 5 })
    expect(await getUsage(owner.id, "reports")).toMatchObject({ used: 2 * PER_SEAT + 5, overage: 5 })
    expect(await counters(`team:${teamId}`, `user:${owner.id}`)).toEqual([{ subject: `team:${teamId}`, used: 2 * PER_SEAT + 5 }])
    expect(await outboxTotal(customer)).toBe(5)
  })

  /** The owner's Team row at `n` seats, written and settled as the sync writes it (apply.ts). */
  const setSeats = async (subscription: string, n: number) => {
    await sql().query("update public.user_subscriptions set quantity = $2 where stripe_subscription_id = $1", [subscription, n])
    const rows = await db.select().from(userSubscriptions).where(eq(userSubscriptions.stripeSubscriptionId, subscription))
    return db.transaction((tx) => settleTeamPools(tx, rows))
  }

  it("a seat change moves the allowance at once; added seats bill nothing back, removed ones bill what is past the smaller pool", async () => {
    const { owner, customer, subscription } = await teamOwner(2)
    const member = await createUser()
    await join(owner.id, member.id)
    // 2 seats: 100 past the pool, billed.
    await recordUsage({ userId: member.id, meter: "reports", value: 2 * PER_SEAT + 100, idempotencyKey: "s1" })
    expect(await outboxTotal(customer)).toBe(100)
    // A third seat: the pool is 900 for what comes next; the 100 already billed stay billed.
    expect(await setSeats(subscription, 3)).toBe(0)
    expect(await getUsage(member.id, "reports")).toMatchObject({ included: 3 * PER_SEAT, remaining: PER_SEAT - 100, overage: 100 })
    const within = await recordUsage({ userId: owner.id, meter: "reports", value: PER_SEAT - 100, idempotencyKey: "s2" })
    expect(within).toMatchObject({ ok: true, used: 3 * PER_SEAT, remaining: 0 })
    expect(await outboxTotal(customer)).toBe(100)
    await recordUsage({ userId: owner.id, meter: "reports", value: 7, idempotencyKey: "s3" })
    expect(await outboxTotal(customer)).toBe(107)
    expect(await getUsage(owner.id, "reports")).toMatchObject({ used: 3 * PER_SEAT + 7, overage: 107 })
    // Back to 2 seats: the units past the smaller pool are billed at once, with no recording after.
    const pastTwo = 3 * PER_SEAT + 7 - 2 * PER_SEAT
    expect(await setSeats(subscription, 2)).toBe(pastTwo - 107)
    expect(await outboxTotal(customer)).toBe(pastTwo)
    expect(await getUsage(owner.id, "reports")).toMatchObject({ included: 2 * PER_SEAT, remaining: 0, overage: pastTwo })
    expect(await setSeats(subscription, 2)).toBe(0)
    await recordUsage({ userId: member.id, meter: "reports", value: 3, idempotencyKey: "s4" })
    expect(await outboxTotal(customer)).toBe(pastTwo + 3)
    expect(await getUsage(member.id, "reports")).toMatchObject({ used: 3 * PER_SEAT + 10, overage: pastTwo + 3 })
  })

  it("a seat added, its allowance used and the seat removed: those units are billed; recordings racing the removal bill each unit once", async () => {
    const { owner, customer, subscription } = await teamOwner(2)
    const member = await createUser()
    await join(owner.id, member.id)
    await recordUsage({ userId: owner.id, meter: "reports", value: 2 * PER_SEAT, idempotencyKey: "full" })
    await setSeats(subscription, 3)
    await recordUsage({ userId: member.id, meter: "reports", value: PER_SEAT - 40, idempotencyKey: "third" })
    expect(await outboxTotal(customer)).toBe(0)
    expect(await setSeats(subscription, 2)).toBe(PER_SEAT - 40)
    expect(await outboxTotal(customer)).toBe(PER_SEAT - 40)
    // Again, and this time the removal lands while both keep recording, 40 requests of 1 (some read the pool
    // of 3 seats, some of 2; a recording that sees the smaller pool first bills the rest itself).
    await setSeats(subscription, 3)
    const racing = Array.from({ length: 40 }, (_, i) =>
      recordUsage({ userId: i % 2 ? owner.id : member.id, meter: "reports", value: 1, idempotencyKey: `r${i}` }),
    )
    const [, answers] = await Promise.all([setSeats(subscription, 2), Promise.all(racing)])
    expect(answers.every((a) => a.ok)).toBe(true)
    // Whoever came first, every unit past the pool of 2 is billed exactly once.
    const used = 3 * PER_SEAT
    expect(await getUsage(owner.id, "reports")).toMatchObject({ used, included: 2 * PER_SEAT, overage: used - 2 * PER_SEAT })
    expect(await outboxTotal(customer)).toBe(used - 2 * PER_SEAT)
  })

  /**
   * Runs a recording held between its read of the allowance and its statement (another transaction holds
   * its idempotency key, so record_usage waits on it) while `meanwhile` runs, as when the sync commits a
   * new seat count in that gap.
   */
  async function heldRecording(userId: string, key: string, value: number, meanwhile: () => Promise<unknown>) {
    const holder = await sql().connect()
    try {
      await holder.query("begin")
      await holder.query(
        `insert into public.usage_records (user_id, meter, idempotency_key, value, subject, status, used, remaining)
         values ($1, 'reports', $2, 1, 'held', 'refused', 0, 0)`,
        [userId, key],
      )
      const recording = recordUsage({ userId, meter: "reports", value, idempotencyKey: key })
      for (let i = 0; ; i++) {
        const { rows } = await sql().query(
          "select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%record_usage%' and pid <> pg_backend_pid()",
        )
        if (rows.length) break
        if (i > 200) throw new Error("the recording never reached record_usage")
        await new Promise((r) => setTimeout(r, 10))
      }
      await meanwhile()
      await holder.query("rollback")
      return await recording
    } finally {
      holder.release()
    }
  }

  it("a recording that read the pool before a seat change and lands after the sync's settle is billed at the new pool", async () => {
    const { owner, customer, subscription } = await teamOwner(3)
    await recordUsage({ userId: owner.id, meter: "reports", value: 2 * PER_SEAT + 100, idempotencyKey: "u1" })
    expect(await setSeats(subscription, 3)).toBe(0)
    expect(await outboxTotal(customer)).toBe(0)
    // It read 3 seats; the sync removes one and settles (100 past the pool of 2) before it counts its 50.
    const late = await heldRecording(owner.id, "late", 50, async () => expect(await setSeats(subscription, 2)).toBe(100))
    expect(late).toMatchObject({ ok: true, used: 2 * PER_SEAT + 150 })
    // Its stored answer (replayed for the same key) counts against the pool the counter now has: nothing left.
    expect(await recordUsage({ userId: owner.id, meter: "reports", value: 50, idempotencyKey: "late" })).toMatchObject({
      duplicate: true,
      used: 2 * PER_SEAT + 150,
      remaining: 0,
    })
    // Its 50 are past the pool of 2 too: billed with it, not left for a later recording (or none).
    expect(await outboxTotal(customer)).toBe(150)
    expect(await getUsage(owner.id, "reports")).toMatchObject({ included: 2 * PER_SEAT, overage: 150 })
    // The other way: it read 2 seats, the sync adds one before it counts; its 40 are within the pool of 3.
    await heldRecording(owner.id, "late2", 40, async () => expect(await setSeats(subscription, 3)).toBe(0))
    expect(await outboxTotal(customer)).toBe(150)
    expect(await getUsage(owner.id, "reports")).toMatchObject({ used: 2 * PER_SEAT + 190, included: 3 * PER_SEAT, overage: 150 })
  })

  it("members past the seat count (seats lowered at Stripe) draw on their own allowance, as they get no Team features", async () => {
    const { owner, customer, subscription } = await teamOwner(3)
    const first = await createUser()
    const last = await createUser()
    const teamId = await join(owner.id, first.id)
    await join(owner.id, last.id)
    // The owner's Team features, as the sync writes Stripe's active entitlements.
    await sql().query(
      `insert into public.active_entitlements (stripe_customer_id, lookup_key, user_id, stripe_entitlement_id, stripe_feature_id)
       values ($1, 'shared_workspaces', $2, $3, 'feat_team')`,
      [customer, owner.id, `ent_${randomUUID().slice(0, 8)}`],
    )
    // Two seats for three people: the member who joined last holds none.
    await setSeats(subscription, 2)
    expect(await hasEntitlement(first.id, "shared_workspaces")).toBe(true)
    expect(await hasEntitlement(last.id, "shared_workspaces")).toBe(false)
    const free = USAGE_METERS.reports.free.included
    const mine = await recordUsage({ userId: last.id, meter: "reports", value: free, idempotencyKey: "l1" })
    expect(mine).toMatchObject({ ok: true, used: free, remaining: 0, included: free })
    expect(await getUsage(last.id, "reports")).toMatchObject({ plan: "free", used: free, atLimit: "blocked", payerUserId: null })
    // Past Free's allowance: refused as a non-member is, not billed to the owner.
    expect(await recordUsage({ userId: last.id, meter: "reports", value: 1, idempotencyKey: "l2" })).toMatchObject({
      ok: false,
      code: "limit_reached",
    })
    // The seated member still draws on the pool; the pool never saw the other's units.
    expect(await recordUsage({ userId: first.id, meter: "reports", value: 5, idempotencyKey: "f1" })).toMatchObject({ ok: true, used: 5 })
    expect(await counters(`team:${teamId}`, `user:${last.id}`)).toEqual([
      { subject: `team:${teamId}`, used: 5 },
      { subject: `user:${last.id}`, used: free },
    ])
    expect(await outboxTotal(customer)).toBe(0)
    // A third seat again: the last member is back on the pool and its features.
    await setSeats(subscription, 3)
    expect(await hasEntitlement(last.id, "shared_workspaces")).toBe(true)
    expect(await recordUsage({ userId: last.id, meter: "reports", value: 1, idempotencyKey: "l3" })).toMatchObject({ ok: true, used: 6 })
    expect(await getUsage(last.id, "reports")).toMatchObject({ plan: "team", used: 6, included: 3 * PER_SEAT, payerUserId: owner.id })
  })

  it("through Stripe and the sync: seats removed at Stripe bill the units past the smaller pool when the sync writes them", async () => {
    const { user: owner, subscriptionId, stripe } = await subscribedUser({ plan: "team", seats: 3 })
    expect((await syncUserNow(owner.id, { force: true })).status).toBe("synced")
    const [row] = await db.select().from(userSubscriptions).where(eq(userSubscriptions.stripeSubscriptionId, subscriptionId))
    const customer = must(row, "the synced Team row").stripeCustomerId
    await recordUsage({ userId: owner.id, meter: "reports", value: 3 * PER_SEAT - 10, idempotencyKey: "before" })
    expect(await outboxTotal(customer)).toBe(0)
    const sub = await stripe.subscriptions.retrieve(subscriptionId)
    const seatItem = must(
      sub.items.data.find((i) => i.quantity === 3),
      "the seat item",
    )
    await stripe.subscriptions.update(subscriptionId, { items: [{ id: seatItem.id, quantity: 2 }], proration_behavior: "none" })
    expect((await syncUserNow(owner.id, { force: true })).status).toBe("synced")
    expect(await getUsage(owner.id, "reports")).toMatchObject({ included: 2 * PER_SEAT, overage: PER_SEAT - 10 })
    expect(await outboxTotal(customer)).toBe(PER_SEAT - 10)
  })
})
