// Stripe's rate limit is per account, not per instance: a 429 seen by any drain holds back every
// drain until the backoff is over. Stripe's Retry-After header is honoured when it sends one; without
// it the wait doubles with each 429 in a row (1, 2, 4 … 30 s, half of it random, so instances do not
// come back at once). The row lives in Postgres (stripe_backoff); this process also remembers it, so
// its other workers skip their already-claimed customers without asking Postgres.
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { stripeBackoff } from "@/lib/db/schema"

export const BACKOFF_BASE_SECONDS = 1
export const BACKOFF_CAP_SECONDS = 30

let localUntil = 0
/** This process noted a 429 since Stripe last answered one of its drains. */
let noted = false

/**
 * True from a 429 this process noted until one of its drains applies a customer again: meanwhile the
 * drain applies one customer at a time, so a customer's reads fit in what the limit leaves (several
 * customers at once each lose one of their reads to the limit, and none is applied).
 */
export const recentlyRateLimited = () => noted

/** True while this process knows Stripe asked us to wait. */
export const backingOff = (now = Date.now()) => now < localUntil

/** Seconds to wait after the `strikes`-th 429 in a row: Retry-After when given, else exponential with jitter. */
export function backoffSeconds(strikes: number, retryAfterSeconds?: number, random: number = Math.random()): number {
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, strikes - 1))
  const backoff = ceiling / 2 + (ceiling / 2) * random
  return Math.min(BACKOFF_CAP_SECONDS * 2, Math.max(backoff, retryAfterSeconds ?? 0))
}

/**
 * Records a 429 for every drain: pushes `until` out (never in) by the backoff for this strike. Strikes
 * count 429s in a row: after the previous backoff ended, within a minute of it, with no customer applied
 * in between (noteStripeAnswered); one during the backoff keeps the strike; otherwise a 429 starts at 1.
 */
export async function noteRateLimited(retryAfterSeconds?: number): Promise<Date> {
  const { rows: prev } = await db.execute<{ strikes: number; recent: boolean; waiting: boolean }>(
    sql`select ${stripeBackoff.strikes} as strikes, ${stripeBackoff.until} > now() - interval '60 seconds' as recent,
      ${stripeBackoff.until} > now() as waiting from ${stripeBackoff} where id`,
  )
  // A 429 that comes while the backoff is still on belongs to the same wave (the other requests a batch
  // had in flight): it keeps the strike instead of doubling it, so one burst of concurrent 429s does not
  // climb to the cap at once and starve the drain under a steady limit.
  const last = prev[0]
  const strikes = !last?.recent ? 1 : last.waiting ? Math.max(1, last.strikes) : last.strikes + 1
  const seconds = backoffSeconds(strikes, retryAfterSeconds)
  // Two drains may note a 429 at once: the later `until` wins, never an earlier one.
  const { rows } = await db.execute<{ until: string }>(sql`
    insert into ${stripeBackoff} (id, until, strikes, updated_at)
    values (true, now() + make_interval(secs => ${seconds}::float8), ${strikes}, now())
    on conflict (id) do update set until = greatest(${stripeBackoff.until}, excluded.until),
      strikes = greatest(${stripeBackoff.strikes}, excluded.strikes), updated_at = now()
    returning until`)
  const until = new Date(rows[0]?.until ?? Date.now())
  localUntil = Math.max(localUntil, until.getTime())
  noted = true
  return until
}

/** Stripe answered again after a 429 this process noted: the next 429 starts the doubling over. */
export async function noteStripeAnswered() {
  if (!noted) return
  noted = false
  await db.execute(sql`update ${stripeBackoff} set strikes = 0 where id and ${stripeBackoff.strikes} > 0`)
}

/** For tests: forget this process's copy of the backoff. */
export function resetLocalBackoff() {
  localUntil = 0
  noted = false
}
