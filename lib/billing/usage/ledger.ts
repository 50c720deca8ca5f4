// The usage ledger: recordUsage counts usage against the allowance in one statement on Pro and Team
// (record_usage) and in one short transaction on Free (its credit packs are locked and drawn), the limit
// check and the increment one conditional upsert on the period's counter row, so concurrent requests never
// overshoot a hard limit; idempotent by the caller's key; the outbox row that reports it to Stripe is
// written in the same transaction. No Stripe call here: the drain sends the outbox.
import "server-only"
import { and, eq, sql } from "drizzle-orm"
import { batched } from "@/lib/db/batch"
import { db, pool, type Transaction } from "@/lib/db/client"
import { usageCounters, usageRecords } from "@/lib/db/schema"
import { creditPackFor, planById, reportsToMeter, type MeterKey } from "../catalog"
import {
  allowanceFor,
  consumeLots,
  creditLots,
  creditsFor,
  creditUnitsNeeded,
  drawFromLots,
  lotUnitsLeft,
  type Allowance,
  type CreditsView,
} from "./allowance"

export type UsageAnswer =
  | { ok: true; used: number; remaining: number; included: number; overage: number; duplicate: boolean }
  | { ok: false; code: "limit_reached"; used: number; remaining: number; included: number; duplicate: boolean; message: string }
  | { ok: false; code: "payment_past_due"; used: number; remaining: number; included: number; duplicate: false; message: string }

export type UsageInput = { userId: string; meter: MeterKey; value: number; idempotencyKey: string }

const limitMessage = (a: Allowance, meter: MeterKey) =>
  `You have used all ${a.included} of this period's allowance. ${
    creditPackFor(meter) ? "Upgrade your plan or buy credits" : "Upgrade your plan"
  } to keep going; it resets on ${a.periodEnd.toISOString().slice(0, 10)}.`

/** `creditsLeft`: Free's credit units left after this answer (they add to what remains). */
function answer(
  a: Allowance,
  meter: MeterKey,
  status: "recorded" | "refused",
  used: number,
  duplicate: boolean,
  creditsLeft = 0,
): UsageAnswer {
  const remaining = Math.max(0, a.included - used) + creditsLeft
  if (status === "refused")
    return { ok: false, code: "limit_reached", used, remaining, included: a.included, duplicate, message: limitMessage(a, meter) }
  return { ok: true, used, remaining, included: a.included, overage: Math.max(0, used - a.included), duplicate }
}

/** The refusal while a past_due plan is locked (GRACE_POLICY): why, and what unlocks it. */
export function lockedMessage(planId: string | null) {
  const name = (planId && planById(planId)?.name) ?? "paid"
  return `Your last payment failed, so your ${name} features are locked until the invoice is paid. Update your payment method on the billing page.`
}

const lockedAnswer = (planId: string | null): UsageAnswer => ({
  ok: false,
  code: "payment_past_due",
  used: 0,
  remaining: 0,
  included: 0,
  duplicate: false,
  message: lockedMessage(planId),
})

class Duplicate extends Error {}

/**
 * What this recording sends to the Stripe meter (catalog.ts reportsToMeter): Pro every unit (its graduated
 * price makes the allowance free); Team only the part past the pool, since a pool of seats × N cannot be a
 * fixed tier bound. `usedAfter` is the counter after this increment, read under its row lock, so
 * concurrent recordings split the overage exactly. record_usage (migration 20261207000100) applies the
 * same rule in SQL under the lock, `included` being the pool the sync wrote on the counter row if it did.
 */
export function unitsToReport(a: Pick<Allowance, "plan" | "included">, value: number, usedAfter: number): number {
  const mode = reportsToMeter(a.plan)
  if (mode === "nothing") return 0
  if (mode === "all") return value
  return Math.min(value, Math.max(0, usedAfter - a.included))
}

type Recorded = { o_status: "recorded" | "refused"; o_used: string; o_remaining: string | null; o_duplicate: boolean }

/** One recording by record_usage: `cap` the most the counter may reach. */
type RecordCall = { a: Allowance; input: UsageInput; cap: number }

const recordArgs = ({ a, input, cap }: RecordCall) =>
  [
    input.userId,
    input.meter,
    input.idempotencyKey,
    input.value,
    a.subject,
    a.periodStart.toISOString(),
    a.periodEnd.toISOString(),
    String(cap),
    String(a.included),
    a.stripeCustomerId,
    reportsToMeter(a.plan),
  ] as const

const RECORD_ONE = `select * from public.record_usage($1::uuid, $2::text, $3::text, $4::int, $5::text, $6::timestamptz,
  $7::timestamptz, $8::bigint, $9::bigint, $10::text, $11::text)`

// The same function over arrays, called for each row in order within one statement (one transaction).
const RECORD_MANY = `select u.i::int as i, r.* from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[],
  $6::timestamptz[], $7::timestamptz[], $8::bigint[], $9::bigint[], $10::text[], $11::text[]) with ordinality
  as u(user_id, meter, idempotency_key, value, subject, period_start, period_end, cap, included, customer, report, i)
  cross join lateral public.record_usage(u.user_id, u.meter, u.idempotency_key, u.value, u.subject, u.period_start,
  u.period_end, u.cap, u.included, u.customer, u.report) as r
  order by u.i`

function answerOf({ a, input }: RecordCall, row: Recorded | undefined): UsageAnswer {
  if (!row) throw new Error("record_usage returned nothing")
  const used = Number(row.o_used)
  // A repeated key answers as it did the first time, with that time's allowance.
  const answered = row.o_duplicate ? { ...a, included: used + Number(row.o_remaining ?? 0) } : a
  return answer(answered, input.meter, row.o_status, used, row.o_duplicate)
}

async function recordOne(call: RecordCall): Promise<UsageAnswer> {
  const res = await pool.query<Recorded>(RECORD_ONE, [...recordArgs(call)])
  return answerOf(call, res.rows[0])
}

/** The counter row a recording locks, then its key: the order every batch takes its locks in. */
const lockOrder = (c: RecordCall) => [c.a.subject, c.input.meter, c.a.periodStart.toISOString(), c.input.userId, c.input.idempotencyKey]
function byLockOrder(x: RecordCall, y: RecordCall) {
  const [p, q] = [lockOrder(x), lockOrder(y)]
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return (p[i] as string) < (q[i] as string) ? -1 : 1
  return 0
}

/**
 * Pro, Team, and Free without credit packs: one statement, one round trip (record_usage). The
 * idempotency row, the increment, the stored answer and the outbox row commit together, and the
 * counter's row lock, which all of a busy subject's recordings queue on, is held only inside Postgres.
 *
 * Recordings that arrive while others are at Postgres go together: record_usage once per recording, in
 * one statement. Sorted by the counter row they lock, so two batches (or instances) never wait on each
 * other in a circle. The statement commits all or nothing: if it fails, each recording is tried alone
 * (batch.ts `alone`), so one bad input fails only its own request. Each recording's answer is the one it
 * would get alone: the function runs for them one after another, each seeing the ones before it.
 */
const recordInOneStatement = batched<RecordCall, UsageAnswer>(
  async (calls) => {
    const ordered = calls.map((call, at) => ({ call, at })).sort((x, y) => byLockOrder(x.call, y.call))
    const args = ordered.map(({ call }) => recordArgs(call))
    const columns = recordArgs(calls[0] as RecordCall).map((_, k) => args.map((row) => row[k]))
    const res = await pool.query<Recorded & { i: number }>(RECORD_MANY, columns)
    const out: UsageAnswer[] = []
    for (const row of res.rows) {
      const item = ordered[row.i - 1]
      if (item) out[item.at] = answerOf(item.call, row)
    }
    return calls.map((_, at) => out[at] ?? new Error("record_usage returned nothing for a batched recording"))
  },
  { maxInFlight: 2, maxBatch: 64, alone: recordOne },
)

export async function recordUsage(input: UsageInput, now = new Date()): Promise<UsageAnswer> {
  const a = await allowanceFor(input.userId, input.meter, now)
  // Past the dunning grace the paid plan's features are locked: nothing is counted until the invoice is paid.
  if (a.locked) return lockedAnswer(a.locked.planId)
  if (!a.hardLimit) return recordInOneStatement({ a, input, cap: Number.MAX_SAFE_INTEGER })
  // Free without packs: the allowance is the cap. (A pack bought since this read only means this request
  // is refused at the limit as it would have been a moment earlier; with packs, the transaction below
  // locks and re-reads them.)
  if (!(await creditLots(db, input.userId, input.meter, now)).length) return recordInOneStatement({ a, input, cap: a.included })
  try {
    // Free with credit packs: the packs' row locks serialise this user's recordings, the draw is exact.
    // (Packs used up or expired since the first read: the allowance alone is the cap again.)
    const drawn = await db.transaction(async (tx) => {
      const lots = await creditLots(tx, input.userId, input.meter, now, true)
      return lots.length ? await recordDrawingCredits(tx, a, input, lots) : null
    })
    return drawn ?? (await recordInOneStatement({ a, input, cap: a.included }))
  } catch (err) {
    if (!(err instanceof Duplicate)) throw err
    const [prev] = await db
      .select()
      .from(usageRecords)
      .where(
        and(
          eq(usageRecords.userId, input.userId),
          eq(usageRecords.meter, input.meter),
          eq(usageRecords.idempotencyKey, input.idempotencyKey),
        ),
      )
    if (!prev) throw new Error("usage record vanished")
    return answer({ ...a, included: prev.used + (prev.remaining ?? 0) }, input.meter, prev.status, prev.used, true)
  }
}

/**
 * A Free recording while the user has credit packs (allowance.ts: the rules). The packs are locked by the
 * caller; the counter row is locked here (a no-op upsert), then the part past the allowance is drawn from
 * the packs, or the whole request refused if they hold less. Free reports nothing to Stripe.
 */
async function recordDrawingCredits(tx: Transaction, a: Allowance, input: UsageInput, lots: Awaited<ReturnType<typeof creditLots>>) {
  const key = and(eq(usageCounters.subject, a.subject), eq(usageCounters.meter, input.meter), eq(usageCounters.periodStart, a.periodStart))
  const [row] = await tx
    .insert(usageCounters)
    .values({ subject: a.subject, meter: input.meter, periodStart: a.periodStart, periodEnd: a.periodEnd, used: 0 })
    .onConflictDoUpdate({
      target: [usageCounters.subject, usageCounters.meter, usageCounters.periodStart],
      set: { used: sql`${usageCounters.used}` },
    })
    .returning({ used: usageCounters.used })
  const before = row?.used ?? 0
  const draws = drawFromLots(lots, creditUnitsNeeded(a.included, before, input.value))
  const recorded = draws !== null
  const used = recorded ? before + input.value : before
  if (draws) {
    await tx.update(usageCounters).set({ used }).where(key)
    await consumeLots(tx, draws)
  }
  const creditsLeft = lotUnitsLeft(lots) - (draws ?? []).reduce((s, d) => s + d.units, 0)
  const status = recorded ? "recorded" : "refused"
  const first = await tx
    .insert(usageRecords)
    .values({
      userId: input.userId,
      meter: input.meter,
      idempotencyKey: input.idempotencyKey,
      value: input.value,
      subject: a.subject,
      status,
      used,
      remaining: Math.max(0, a.included - used) + creditsLeft,
    })
    .onConflictDoNothing()
    .returning({ used: usageRecords.used })
  if (!first.length) throw new Duplicate()
  return answer(a, input.meter, status, used, false, creditsLeft)
}

export type UsageView = {
  meter: MeterKey
  plan: Allowance["plan"]
  used: number
  included: number
  remaining: number
  /** Units billed as overage at the period end (0 on Free): past the allowance on Pro; on Team, past the pool as it was when they were recorded. */
  overage: number
  overageCents: number
  /** Prepaid credit units left (Free: the packs; Pro/Team: the Stripe balance at the overage price). */
  credits: number
  /** The cached Stripe credit balance on metered prices, in cents (null on Free). */
  creditCents: number | null
  /** Whether this user tops up these credits (not a team member: the owner buys for the pool). */
  canBuyCredits: boolean
  periodEnd: Date
  atLimit: "blocked" | "billed_as_overage"
  /** Whose subscription pays for overage (projection.ts asks Stripe's preview for it); null on Free. */
  payerUserId: string | null
  /** Why usage is refused while a past_due plan is locked (past the dunning grace); null otherwise. */
  locked: string | null
}

export async function getUsage(userId: string, meter: MeterKey, now = new Date()): Promise<UsageView> {
  const a = await allowanceFor(userId, meter, now)
  const [row] = await db
    .select({ used: usageCounters.used, overageBilled: usageCounters.overageBilled })
    .from(usageCounters)
    .where(and(eq(usageCounters.subject, a.subject), eq(usageCounters.meter, meter), eq(usageCounters.periodStart, a.periodStart)))
  const used = row?.used ?? 0
  const credits: CreditsView = await creditsFor(a, userId, meter, now)
  return {
    meter,
    plan: a.plan,
    used,
    included: a.included,
    // On Free the packs add to what is left before the hard limit.
    remaining: Math.max(0, a.included - used) + (a.hardLimit ? credits.units : 0),
    // A Team pool's overage is what was billed: units past the pool as it was when they were recorded, so
    // a seat change moves `included` at once without un-billing or newly billing units already used.
    overage: a.hardLimit ? 0 : reportsToMeter(a.plan) === "overage" ? (row?.overageBilled ?? 0) : Math.max(0, used - a.included),
    overageCents: a.overageCents,
    credits: credits.units,
    creditCents: credits.cents,
    canBuyCredits: a.payerUserId === null || a.payerUserId === userId,
    periodEnd: a.periodEnd,
    atLimit: a.hardLimit ? "blocked" : "billed_as_overage",
    payerUserId: a.payerUserId,
    locked: a.locked ? lockedMessage(a.locked.planId) : null,
  }
}
