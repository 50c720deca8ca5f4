// Reconciliation: the ledger's usage for a customer and meter in a window against what Stripe's meter
// aggregated (listEventSummaries). Any difference is drift, reported (and logged by the caller).
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { meterTotal } from "@/lib/stripe"
import { USAGE_METERS, type MeterKey } from "../catalog"

export type Drift = { customer: string; meter: MeterKey; ledger: number; stripe: number; unsent: number }

export type UsagePaging = {
  /** Only customers after this id (the reconciliation's cursor). */
  after?: string | null
  /** At most this many customers (one summaries call each). */
  limit?: number
  /** Awaited before each Stripe call (the reconciliation's rate limit and budget). */
  beforeCall?: () => Promise<void>
}

/**
 * Compares every customer with usage recorded in [start, end), in customer id order. `ledger` counts all
 * recorded usage, `unsent` what the outbox has not sent yet: drift is `ledger - unsent !== stripe`.
 * With `limit`, `more` says customers are left and `last` is where to resume.
 */
export async function reconcileUsage(
  meter: MeterKey,
  start: Date,
  end: Date,
  { after = null, limit, beforeCall }: UsagePaging = {},
): Promise<{ checked: number; drift: Drift[]; last: string | null; more: boolean }> {
  const rows = await db.execute<{ customer: string; ledger: number; unsent: number }>(sql`
    select stripe_customer_id customer, sum(value)::int ledger,
           coalesce(sum(value) filter (where status <> 'sent'), 0)::int unsent
    from public.usage_outbox
    where meter = ${meter} and created_at >= ${start.toISOString()} and created_at < ${end.toISOString()}
      and stripe_customer_id > ${after ?? ""}
    group by stripe_customer_id order by stripe_customer_id
    ${limit === undefined ? sql`` : sql`limit ${limit + 1}`}`)
  const more = limit !== undefined && rows.rows.length > limit
  const customers = more ? rows.rows.slice(0, limit) : rows.rows
  const drift: Drift[] = []
  for (const r of customers) {
    await beforeCall?.()
    const stripe = await meterTotal(USAGE_METERS[meter].eventName, r.customer, start.getTime() / 1000, end.getTime() / 1000)
    if (r.ledger - r.unsent !== stripe) drift.push({ customer: r.customer, meter, ledger: r.ledger, stripe, unsent: r.unsent })
  }
  return { checked: customers.length, drift, last: customers.at(-1)?.customer ?? null, more }
}
