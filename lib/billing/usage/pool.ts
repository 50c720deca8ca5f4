// A Team pool after a seat change. The pool is perSeat × the seats at each moment, and a unit recorded past
// it is billed (ledger.ts); removing seats takes their allowance with them at once, so the units already used
// past the smaller pool are billed when the sync writes the new quantity (settle_team_pool, migration
// 20261206000400), not only if someone records again before the period ends. Adding seats bills nothing back.
// The settle also writes the pool on the team's counter row (migration 20261207000100), which the recordings'
// increment bills against under the same row lock, so a recording that read the seats before this commit
// is billed at the pool written here.
// Without this, adding a seat, using its allowance and removing it (prorated both ways) gave the units free.
import "server-only"
import { sql } from "drizzle-orm"
import type { Executor } from "@/lib/db/client"
import type { NewUserSubscription } from "@/lib/db/schema"
import { USAGE_METERS, type MeterKey } from "../catalog"
import { hasAccess } from "../status"

/** Settles the pools of the live Team subscriptions among `rows` (inside the sync's transaction); returns the units billed. */
export async function settleTeamPools(tx: Executor, rows: readonly NewUserSubscription[]): Promise<number> {
  let billed = 0
  for (const r of rows) {
    if (r.planId !== "team" || !r.status || !hasAccess(r.status) || !r.currentPeriodStart || !r.currentPeriodEnd) continue
    for (const meter of Object.keys(USAGE_METERS) as MeterKey[]) {
      const included = USAGE_METERS[meter].team.perSeat * (r.quantity ?? 1)
      const res = await tx.execute<{ units: string }>(sql`select public.settle_team_pool(${r.userId}::uuid, ${meter}::text,
        ${r.currentPeriodStart.toISOString()}::timestamptz, ${r.currentPeriodEnd.toISOString()}::timestamptz,
        ${String(included)}::bigint, ${r.stripeCustomerId}::text) units`)
      billed += Number(res.rows[0]?.units ?? 0)
    }
  }
  return billed
}
