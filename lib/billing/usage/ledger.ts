// The usage ledger: recordUsage counts usage against the allowance in one statement, record_usage (the
// limit check and the increment are one conditional upsert on the period's counter row, so concurrent
// requests never overshoot a hard limit), idempotent by the caller's key, and writes the outbox row that
// reports it to Stripe in the same transaction. No Stripe call here: the drain sends the outbox.
import "server-only"
import { and, eq, sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { usageCounters } from "@/lib/db/schema"
import { reportsToMeter, type MeterKey } from "../catalog"
import { allowanceFor, type Allowance } from "./allowance"

export type UsageAnswer =
  | { ok: true; used: number; remaining: number; included: number; overage: number; duplicate: boolean }
  | { ok: false; code: "limit_reached"; used: number; remaining: number; included: number; duplicate: boolean; message: string }

export type UsageInput = { userId: string; meter: MeterKey; value: number; idempotencyKey: string }

const limitMessage = (a: Allowance) =>
  `You have used all ${a.included} of this period's allowance. Upgrade your plan to keep going; it resets on ${a.periodEnd.toISOString().slice(0, 10)}.`

function answer(a: Allowance, status: "recorded" | "refused", used: number, duplicate: boolean): UsageAnswer {
  const remaining = Math.max(0, a.included - used)
  if (status === "refused")
    return { ok: false, code: "limit_reached", used, remaining, included: a.included, duplicate, message: limitMessage(a) }
  return { ok: true, used, remaining, included: a.included, overage: Math.max(0, used - a.included), duplicate }
}

/**
 * What a recording sends to the Stripe meter (catalog.ts reportsToMeter): Pro every unit (its graduated
 * price makes the allowance free); Team only the part past the pool, since a pool of seats × N cannot be a
 * fixed tier bound. `usedAfter` is the counter after this increment. The same rule runs in SQL under the
 * counter's row lock (record_usage, migration 20261205000200), so concurrent recordings split the
 * overage exactly; this is its statement in TypeScript, for the tests and the reader.
 */
export function unitsToReport(a: Pick<Allowance, "plan" | "included">, value: number, usedAfter: number): number {
  const mode = reportsToMeter(a.plan)
  if (mode === "nothing") return 0
  if (mode === "all") return value
  return Math.min(value, Math.max(0, usedAfter - a.included))
}

type Recorded = { o_status: "recorded" | "refused"; o_used: string; o_remaining: string | null; o_duplicate: boolean }

/**
 * One statement, one round trip (record_usage): the idempotency row, the check and increment, the stored
 * answer and the outbox row commit together, and the counter's row lock is held only inside Postgres.
 */
export async function recordUsage(input: UsageInput, now = new Date()): Promise<UsageAnswer> {
  const a = await allowanceFor(input.userId, input.meter, now)
  const cap = a.hardLimit ? a.included : Number.MAX_SAFE_INTEGER
  const res = await db.execute<Recorded>(sql`
    select * from public.record_usage(${input.userId}::uuid, ${input.meter}::text, ${input.idempotencyKey}::text, ${input.value}::int,
      ${a.subject}::text, ${a.periodStart.toISOString()}::timestamptz, ${a.periodEnd.toISOString()}::timestamptz,
      ${String(cap)}::bigint, ${String(a.included)}::bigint, ${a.stripeCustomerId}::text, ${reportsToMeter(a.plan)}::text)`)
  const row = res.rows[0]
  if (!row) throw new Error("record_usage returned nothing")
  const used = Number(row.o_used)
  // A repeated key answers as it did the first time, with that time's allowance.
  const answered = row.o_duplicate ? { ...a, included: used + Number(row.o_remaining ?? 0) } : a
  return answer(answered, row.o_status, used, row.o_duplicate)
}

export type UsageView = {
  meter: MeterKey
  plan: Allowance["plan"]
  used: number
  included: number
  remaining: number
  /** Units past the allowance, billed at the period end (0 on Free). */
  overage: number
  overageCents: number
  /** Prepaid credits (not modelled yet: always 0). */
  credits: number
  periodEnd: Date
  atLimit: "blocked" | "billed_as_overage"
  /** Whose subscription pays for overage (projection.ts asks Stripe's preview for it); null on Free. */
  payerUserId: string | null
}

export async function getUsage(userId: string, meter: MeterKey, now = new Date()): Promise<UsageView> {
  const a = await allowanceFor(userId, meter, now)
  const [row] = await db
    .select({ used: usageCounters.used })
    .from(usageCounters)
    .where(and(eq(usageCounters.subject, a.subject), eq(usageCounters.meter, meter), eq(usageCounters.periodStart, a.periodStart)))
  const used = row?.used ?? 0
  return {
    meter,
    plan: a.plan,
    used,
    included: a.included,
    remaining: Math.max(0, a.included - used),
    overage: a.hardLimit ? 0 : Math.max(0, used - a.included),
    overageCents: a.overageCents,
    credits: 0,
    periodEnd: a.periodEnd,
    atLimit: a.hardLimit ? "blocked" : "billed_as_overage",
    payerUserId: a.payerUserId,
  }
}
