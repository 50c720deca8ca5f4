// Reconciliation: the ledger's usage for a customer and meter in a window against what Stripe's meter
// aggregated (listEventSummaries). Any difference is drift, reported (and logged by the caller).
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { meterTotal } from "@/lib/stripe"
import { USAGE_METERS, type MeterKey } from "../catalog"

export type Drift = { customer: string; meter: MeterKey; ledger: number; stripe: number; unsent: number }

/**
 * Compares every customer with usage recorded in [start, end). `ledger` counts all recorded usage,
 * `unsent` what the outbox has not sent yet: drift is `ledger - unsent !== stripe`.
 */
export async function reconcileUsage(meter: MeterKey, start: Date, end: Date): Promise<{ checked: number; drift: Drift[] }> {
  const rows = await db.execute<{ customer: string; ledger: number; unsent: number; first: number; last: number }>(sql`
    select stripe_customer_id customer, sum(value)::int ledger,
           coalesce(sum(value) filter (where status <> 'sent'), 0)::int unsent
    from public.usage_outbox
    where meter = ${meter} and created_at >= ${start.toISOString()} and created_at < ${end.toISOString()}
    group by stripe_customer_id`)
  const drift: Drift[] = []
  for (const r of rows.rows) {
    const stripe = await meterTotal(USAGE_METERS[meter].eventName, r.customer, start.getTime() / 1000, end.getTime() / 1000)
    if (r.ledger - r.unsent !== stripe) drift.push({ customer: r.customer, meter, ledger: r.ledger, stripe, unsent: r.unsent })
  }
  return { checked: rows.rows.length, drift }
}
