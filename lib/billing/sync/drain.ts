// The drain: claims customers with due events, applies each once (Stripe read outside any
// transaction), and repeats until nothing is due or its time budget is spent. Any number of drains
// may run at once on any number of instances: claiming skips locked rows and leases each customer
// to one drain; a crashed drain's lease expires and another takes over. Postgres is the queue.
// A 429 from Stripe stops every drain on every instance until the backoff is over (stripe-backoff.ts);
// in the process, customers are paced while pages are being served (pace.ts).
import "server-only"
import { and, eq, sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { customerSyncs, stripeBackoff, subscriptionEvents } from "@/lib/db/schema"
import { asDrain, probeDrainCustomer } from "@/lib/db/probe"
import { env } from "@/lib/env"
import { flushBillingActions } from "../checkout/trial-cards"
import { flushCreditGrants } from "../credits/purchases"
import { applyCustomer, LEASE_SECONDS, newOwner } from "./apply"
import { forEachLimited, paceDrain } from "./pace"
import { backingOff, noteRateLimited, noteStripeAnswered, recentlyRateLimited } from "./stripe-backoff"

export type DrainReport = {
  customers: number
  events: number
  failed: number
  lostLeases: number
  rateLimited: boolean
  /** Claimed but released untouched because Stripe asked every drain to wait. */
  skipped: number
  /**
   * Due events left because another applier (a page's sync, another drain) held their customer when
   * this drain last claimed. That applier read its events before these arrived, so somebody must
   * come back for them: the after() loop goes round again (ingest.ts), the cron at its next run.
   */
  heldElsewhere: number
  /** The time budget ran out with customers still to claim. */
  budgetSpent: boolean
}
export type DrainOptions = { budgetMs?: number; concurrency?: number }

export function drainBillingEvents(options: DrainOptions = {}): Promise<DrainReport> {
  return asDrain(() => drain(options))
}

async function drain({ budgetMs = 20_000, concurrency = env.billing.drainConcurrency }: DrainOptions): Promise<DrainReport> {
  const owner = newOwner()
  const deadline = Date.now() + budgetMs
  const report: DrainReport = {
    customers: 0,
    events: 0,
    failed: 0,
    lostLeases: 0,
    rateLimited: false,
    skipped: 0,
    heldElsewhere: 0,
    budgetSpent: false,
  }
  // Stop claiming once Stripe says "too many requests": the failed customers are already scheduled
  // with backoff, every drain holds back until the shared backoff is over, and more claims now would
  // only spend more of the limit.
  let emptied = false
  while (Date.now() < deadline && !report.rateLimited && !backingOff()) {
    let applied = 0
    const limit = recentlyRateLimited() ? 1 : concurrency
    const customers = await claimCustomers(owner, limit * 4)
    if (customers.length === 0) {
      report.heldElsewhere = await dueButHeld()
      emptied = true
      break
    }
    await forEachLimited(customers, limit, async (customerId) => {
      await paceDrain()
      if (backingOff()) {
        // Claimed before the 429: give it back untouched (no attempt counted); it stays due.
        await releaseLease(customerId, owner)
        report.skipped++
        return
      }
      const result = await probeDrainCustomer(() => applyCustomer(customerId, owner))
      report.customers++
      report.events += result.events
      if (result.outcome === "failed") report.failed++
      if (result.error?.kind === "rate_limited") {
        report.rateLimited = true
        await noteRateLimited(result.error.detail.retryAfterSeconds)
      }
      if (result.outcome === "lost_lease") report.lostLeases++
      if (result.outcome === "applied") applied++
    })
    if (applied > 0) await noteStripeAnswered()
  }
  report.budgetSpent = !emptied && Date.now() >= deadline
  // The Stripe calls the applies decided on (a trial on a card that had one ends now).
  if (!report.rateLimited) await flushBillingActions()
  // Paid credit packs the applies recorded: their grants, then the balances they changed.
  if (!report.rateLimited && !backingOff()) await flushCreditGrants()
  return report
}

/**
 * One statement: lock a window of due events (skipping rows another drain is claiming, and the events
 * of customers another drain or page sync holds), pick their customers oldest first, and lease them.
 * The lease, not a lock, protects the Stripe read that follows, so no connection is held across it.
 * Held customers are left out of the window itself: otherwise, with several instances, the oldest due
 * customers are the ones another instance is applying, the window is all theirs, and the claim comes
 * back empty (the drain stops) while other customers wait (drain-concurrency.test.ts).
 */
async function claimCustomers(owner: string, limit: number): Promise<string[]> {
  const { rows } = await db.execute<{ stripe_customer_id: string }>(sql`
    with due as (
      select customer_id, received_at from ${subscriptionEvents} e
      where processed_at is null and dead_at is null and customer_id is not null and next_attempt_at <= now()
        and not exists (select 1 from ${stripeBackoff} where ${stripeBackoff.until} > now())
        and not exists (select 1 from ${customerSyncs} s where s.stripe_customer_id = e.customer_id and s.lease_until > now())
      order by next_attempt_at
      limit ${limit * 20}
      for update skip locked
    ), customers as (
      select customer_id, min(received_at) as first from due group by customer_id order by first limit ${limit}
    )
    insert into ${customerSyncs} (stripe_customer_id, lease_owner, lease_until)
    -- One lock order for every drain (by customer id), so two claims never deadlock on each other's rows.
    select customer_id, ${owner}, now() + make_interval(secs => ${LEASE_SECONDS}) from customers order by customer_id
    on conflict (stripe_customer_id) do update set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until, updated_at = now()
      where ${customerSyncs.leaseUntil} is null or ${customerSyncs.leaseUntil} < now()
    returning stripe_customer_id`)
  return rows.map((r) => r.stripe_customer_id)
}

async function dueButHeld(): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    select count(*)::int n from ${subscriptionEvents} e
    where processed_at is null and dead_at is null and customer_id is not null and next_attempt_at <= now()
      and exists (select 1 from ${customerSyncs} s where s.stripe_customer_id = e.customer_id and s.lease_until > now())`)
  return rows[0]?.n ?? 0
}

async function releaseLease(customerId: string, owner: string) {
  await db
    .update(customerSyncs)
    .set({ leaseOwner: null, leaseUntil: null, updatedAt: sql`now()` })
    .where(and(eq(customerSyncs.stripeCustomerId, customerId), eq(customerSyncs.leaseOwner, owner)))
}
