// Eager sync for the pages users land on after Stripe (Checkout success, portal return), where
// webhooks may lag: the same per-customer path as the drain, throttled per user so reloads read the
// database instead of spending Stripe's rate limit.
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { billingCustomers, customerSyncs } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { applyCustomer, LEASE_SECONDS, newOwner } from "./apply"
import type { BillingProviderError, ReadNeeds } from "../types"

export type SyncNow = { status: "synced" | "throttled" | "no_customer" | "busy" | "failed"; error?: BillingProviderError }

/** How long a page waits for a drain that holds the customer before it shows what the database has. */
const WAIT_FOR_LEASE_MS = 4000

/**
 * Reads the user's customer from Stripe now and writes what it says (plus any pending events).
 * `force` neither honours nor stamps the page-reload throttle (Checkout's "already subscribed?" check);
 * `needs` narrows the read.
 */
export async function syncUserNow(
  userId: string,
  { force = false, needs = { customer: true, subscriptions: true, entitlements: true } as ReadNeeds } = {},
): Promise<SyncNow> {
  const owner = newOwner()
  const started = Date.now()
  let customerId: string
  for (let wait = 100; ; wait = Math.min(wait * 2, 800)) {
    const attempt = await tryLease(userId, owner, force)
    if (attempt.state === "leased") {
      customerId = attempt.customerId
      break
    }
    if (attempt.state !== "busy" || Date.now() - started > WAIT_FOR_LEASE_MS) return { status: attempt.state }
    await new Promise((r) => setTimeout(r, wait))
  }
  const result = await applyCustomer(customerId, owner, needs)
  if (result.outcome !== "applied") log.warn("eager sync did not apply", { userId, outcome: result.outcome })
  return result.outcome === "applied" ? { status: "synced" } : { status: "failed", ...(result.error ? { error: result.error } : {}) }
}

/** One round trip: find the mapping, honour the throttle, take the lease and stamp the throttle. */
type LeaseAttempt = { state: "leased"; customerId: string } | { state: "busy" | "throttled" | "no_customer" }

async function tryLease(userId: string, owner: string, force: boolean): Promise<LeaseAttempt> {
  const { rows } = await db.execute<{ customer_id: string | null; leased: boolean; throttled: boolean }>(sql`
    with mapping as (
      select stripe_customer_id from ${billingCustomers} where user_id = ${userId} and stripe_customer_deleted_at is null
    ), state as (
      select s.* from ${customerSyncs} s join mapping m using (stripe_customer_id)
    ), leased as (
      insert into ${customerSyncs} (stripe_customer_id, lease_owner, lease_until, eager_sync_at)
      select stripe_customer_id, ${owner}, now() + make_interval(secs => ${LEASE_SECONDS}), ${force ? null : sql`now()`} from mapping
      where ${force} or not exists (select 1 from state where eager_sync_at > now() - make_interval(secs => ${env.billing.eagerSyncThrottleSeconds}))
      on conflict (stripe_customer_id) do update set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until,
        eager_sync_at = ${force ? sql`${customerSyncs.eagerSyncAt}` : sql`excluded.eager_sync_at`}, updated_at = now()
        where ${customerSyncs.leaseUntil} is null or ${customerSyncs.leaseUntil} < now()
      returning stripe_customer_id
    )
    select (select stripe_customer_id from mapping) as customer_id,
      exists (select 1 from leased) as leased,
      exists (select 1 from state where eager_sync_at > now() - make_interval(secs => ${env.billing.eagerSyncThrottleSeconds})) as throttled`)
  const row = rows[0]
  if (!row?.customer_id) return { state: "no_customer" }
  if (row.leased) return { state: "leased", customerId: row.customer_id }
  return { state: row.throttled && !force ? "throttled" : "busy" }
}

/** True when the user's page sync ran within the throttle window: a reload, answered from the database. */
export async function syncedRecently(userId: string): Promise<boolean> {
  const { rows } = await db.execute<{ recent: boolean }>(sql`
    select exists (select 1 from ${customerSyncs} s join ${billingCustomers} b using (stripe_customer_id)
      where b.user_id = ${userId} and s.eager_sync_at > now() - make_interval(secs => ${env.billing.eagerSyncThrottleSeconds})) as recent`)
  return rows[0]?.recent === true
}
