// Fixed-window rate limits kept in Postgres (public.rate_limits), so every app instance counts the same
// attempts. One upsert per attempt; nothing is held open across the action it guards.
import "server-only"
import { lt, sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { rateLimits } from "@/lib/db/schema"

export type Limit = { name: string; max: number; windowSeconds: number }

/**
 * Counts an attempt at `limit` for `subject` and says whether it is within the limit; when it is not,
 * `retryAfter` is how many seconds until the window turns.
 */
export async function hit(limit: Limit, subject: string, now = new Date()): Promise<{ ok: true } | { ok: false; retryAfter: number }> {
  const windowMs = limit.windowSeconds * 1000
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs)
  const [row] = await db
    .insert(rateLimits)
    .values({ key: `${limit.name}:${subject}`, windowStart, hits: 1 })
    .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { hits: sql`${rateLimits.hits} + 1` } })
    .returning({ hits: rateLimits.hits })
  if ((row?.hits ?? 1) <= limit.max) return { ok: true }
  return { ok: false, retryAfter: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)) }
}

/** Deletes windows that ended more than a day ago (the billing cron calls it). */
export async function pruneRateLimits(now = new Date()): Promise<number> {
  const rows = await db
    .delete(rateLimits)
    .where(lt(rateLimits.windowStart, new Date(now.getTime() - 86_400_000)))
    .returning({ key: rateLimits.key })
  return rows.length
}
