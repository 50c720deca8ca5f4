// Applies one Stripe customer: the drain and the eager page syncs share this path. The caller holds
// the customer's lease (one applier per customer across every instance); the pending events are
// loaded, Stripe is read once for all of them with no database connection held, and then rows and
// event outcomes are written in one short transaction that first checks the lease is still ours.
import "server-only"
import { recordTrialCards } from "../checkout/trial-cards"
import { recordCreditEvents } from "../credits/purchases"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { and, eq, getTableColumns, notInArray, sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"
import {
  activeEntitlements,
  billingCustomers,
  checkoutSessions,
  customerSyncs,
  subscriptionEvents,
  userSubscriptions,
} from "@/lib/db/schema"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { interpretEvent, readCustomer, readInvoices, toProviderError } from "@/lib/stripe"
import { planIdForPrice, planOfPrice } from "./plans"
import { decideRetentionOffer } from "../portal/retention"
import { payOnNewCard } from "../recovery/pay-on-new-card"
import { queueEmails } from "../email/outbox"
import { writeInvoices } from "../invoices/store"
import { settleTeamPools } from "../usage/pool"
import { retryDelaySeconds } from "./retry"
import { customerFields, liveCount, subscriptionRow } from "./rows"
import type { BillingProviderError, CustomerRead, EntitlementState, EventIntent, ReadNeeds } from "../types"

/** Longer than the slowest Stripe read (15 s timeout × 3 tries); a crashed holder's customer is free after it. */
export const LEASE_SECONDS = 90

/** Names a drain or page sync in leases: host, process and a random suffix. */
export const newOwner = () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

export type CustomerResult = { outcome: "applied" | "failed" | "lost_lease"; events: number; error?: BillingProviderError }
type Pending = { id: string; attempts: number; intent: EventIntent }

/** Applies every pending event of a customer whose lease `owner` holds; `extra` adds parts to read. */
export async function applyCustomer(
  customerId: string,
  owner: string,
  extra: ReadNeeds = { customer: false, subscriptions: false },
): Promise<CustomerResult> {
  const { rows } = await db.execute<{ user_id: string | null; events: { id: string; attempts: number; payload: unknown }[] }>(sql`
    select (select user_id from ${billingCustomers} where stripe_customer_id = ${customerId} and stripe_customer_deleted_at is null) as user_id,
      coalesce((select json_agg(json_build_object('id', stripe_event_id, 'attempts', attempts, 'payload', payload) order by received_at)
        from ${subscriptionEvents} where customer_id = ${customerId} and processed_at is null and dead_at is null and payload is not null), '[]') as events`)
  const userId = rows[0]?.user_id ?? null
  const pending: Pending[] = (rows[0]?.events ?? []).map((e) => ({ id: e.id, attempts: e.attempts, intent: interpretEvent(e.payload) }))
  const needs = { ...extra }
  let link: string | undefined
  for (const { intent } of pending) {
    if (intent.kind !== "sync") continue
    needs.customer ||= intent.needs.customer
    needs.subscriptions ||= intent.needs.subscriptions
    needs.entitlements ||= intent.needs.entitlements ?? false
    link ??= intent.link?.userId
  }
  // A customer linked now may have had its entitlements event ignored as unknown: read them too.
  if (!userId && link) needs.entitlements = true

  try {
    // A customer that is not ours and that no event links to needs no Stripe read at all.
    const read: CustomerRead =
      userId || link ? (needs.customer || needs.subscriptions || needs.entitlements ? await readCustomer(customerId, needs) : {}) : {}
    // Invoice events: the invoices themselves, re-read as the subscriptions are (the event is a hint).
    // A renewal's events name the subscription's latest invoice, which came with the subscriptions read;
    // any other invoice costs a read of the customer's invoices.
    const invoiceIds = pending.flatMap((p) => (p.intent.kind === "sync" && p.intent.invoiceId ? [p.intent.invoiceId] : []))
    if ((userId || link) && invoiceIds.length) {
      const latest = read.latestInvoices ?? []
      read.invoices = invoiceIds.every((id) => latest.some((i) => i.id === id)) ? latest : await readInvoices(customerId, invoiceIds)
    }
    const result = await writeRead(customerId, owner, userId, link, read, pending)
    // After the rows are written and the lease released: a new card pays what is open now.
    if (result.outcome === "applied" && (userId || link))
      await payOnNewCard(
        customerId,
        pending.map((p) => p.intent),
        read,
      )
    return result
  } catch (err) {
    const error = toProviderError(err)
    log.warn("applying customer failed; will retry", { customerId, events: pending.length, kind: error.kind, error: error.message })
    await recordFailure(customerId, owner, pending, error.message)
    return { outcome: "failed", events: pending.length, error }
  }
}

class LostLease extends Error {}

/**
 * Lock order, everywhere: event rows first, then the customer's customer_syncs row (the claim does
 * the same), so a drain claiming new events of this customer never deadlocks with this write.
 */
async function writeRead(
  customerId: string,
  owner: string,
  knownUser: string | null,
  link: string | undefined,
  read: CustomerRead,
  pending: Pending[],
): Promise<CustomerResult> {
  try {
    return await db.transaction(async (tx) => {
      let userId = knownUser
      if (!userId && link) userId = await linkCustomer(tx, link, customerId)
      if (pending.length) {
        const outcomes = JSON.stringify(pending.map((p) => ({ id: p.id, outcome: outcomeOf(p.intent, userId, read) })))
        await tx.execute(sql`update ${subscriptionEvents} e set processed_at = now(), outcome = v.outcome, error = null
          from json_to_recordset(${outcomes}::json) as v(id text, outcome text) where e.stripe_event_id = v.id and e.processed_at is null`)
      }
      const checkouts = pending.flatMap((p) => (p.intent.kind === "sync" && p.intent.checkoutSession ? [p.intent.checkoutSession] : []))
      for (const c of checkouts) {
        await tx.execute(sql`update ${checkoutSessions} set status = ${c.status} where stripe_session_id = ${c.id} and status = 'open'`)
      }
      // A paid credit pack: recorded once per Checkout Session, granted by the drain after this commit.
      if (userId)
        await recordCreditEvents(
          tx,
          userId,
          customerId,
          pending.map((p) => p.intent),
        )
      if (read.customer?.deleted) {
        await tx.execute(sql`update ${billingCustomers} set stripe_customer_deleted_at = now(), updated_at = now()
          where stripe_customer_id = ${customerId} and stripe_customer_deleted_at is null`)
        // Deleting a customer cancels its subscriptions at once, and Stripe no longer lists them.
        await tx.execute(sql`update ${userSubscriptions} set status = 'canceled', cancel_at_period_end = false,
          ended_at = coalesce(ended_at, now()), updated_at = now()
          where stripe_customer_id = ${customerId} and status not in ('canceled', 'incomplete_expired')`)
      }
      if (userId && read.subscriptions?.length) {
        const values = await Promise.all(
          read.subscriptions.map(async (s) =>
            subscriptionRow(s, userId, await planIdForPrice(tx, s.priceId), await planOfPrice(tx, s.scheduledChange?.priceId ?? null)),
          ),
        )
        await tx
          .insert(userSubscriptions)
          .values(values)
          .onConflictDoUpdate({ target: userSubscriptions.stripeSubscriptionId, set: UPSERT_SET })
        // Fewer seats: a Team pool's units past the smaller pool are billed now (usage/pool.ts).
        await settleTeamPools(tx, values)
        await decideRetentionOffer(tx, customerId)
        if (liveCount(read.subscriptions) > 1) log.error("customer has more than one live subscription", { customerId, userId })
        await recordTrialCards(tx, userId, read.subscriptions, read.customer)
      }
      if (read.customer?.deleted) await tx.delete(activeEntitlements).where(eq(activeEntitlements.stripeCustomerId, customerId))
      else if (userId && read.entitlements) await writeEntitlements(tx, customerId, userId, read.entitlements)
      if (userId && read.invoices?.length) await writeInvoices(tx, read.invoices)
      // Billing emails go out with the rows that caused them: the same commit, once per event and template.
      if (userId && !read.customer?.deleted) await queueEmails(tx, userId, pending, read)
      if (userId && read.customer && !read.customer.deleted) {
        await tx
          .update(billingCustomers)
          .set({ ...customerFields(read.customer, read.subscriptions), updatedAt: sql`now()` })
          .where(eq(billingCustomers.stripeCustomerId, customerId))
      }
      // Last, and decisive: if the lease expired and another applier took the customer, undo everything.
      const { rows } =
        await tx.execute(sql`update ${customerSyncs} set lease_owner = null, lease_until = null, synced_at = now(), updated_at = now()
        where stripe_customer_id = ${customerId} and lease_owner = ${owner} returning 1`)
      if (rows.length === 0) throw new LostLease()
      return { outcome: "applied" as const, events: pending.length }
    })
  } catch (err) {
    if (err instanceof LostLease) return { outcome: "lost_lease", events: 0 }
    throw err
  }
}

/** Makes the customer's rows exactly Stripe's list: drops what it no longer has, upserts the rest. */
async function writeEntitlements(tx: Executor, customerId: string, userId: string, list: EntitlementState[]) {
  const keys = list.map((e) => e.lookupKey)
  await tx
    .delete(activeEntitlements)
    .where(
      and(eq(activeEntitlements.stripeCustomerId, customerId), keys.length ? notInArray(activeEntitlements.lookupKey, keys) : undefined),
    )
  if (!list.length) return
  await tx
    .insert(activeEntitlements)
    .values(
      list.map((e) => ({
        stripeCustomerId: customerId,
        lookupKey: e.lookupKey,
        userId,
        stripeEntitlementId: e.id,
        stripeFeatureId: e.featureId,
        livemode: e.livemode,
      })),
    )
    .onConflictDoUpdate({
      target: [activeEntitlements.stripeCustomerId, activeEntitlements.lookupKey],
      set: {
        userId: sql`excluded.user_id`,
        stripeEntitlementId: sql`excluded.stripe_entitlement_id`,
        stripeFeatureId: sql`excluded.stripe_feature_id`,
        livemode: sql`excluded.livemode`,
        syncedAt: sql`now()`,
      },
    })
}

/** Links a customer created outside our checkout to the user its session named, if that user exists and has none. */
async function linkCustomer(tx: Executor, userId: string, customerId: string): Promise<string | null> {
  await tx.execute(sql`insert into ${billingCustomers} (user_id, stripe_customer_id)
    select ${userId}::uuid, ${customerId} where exists (select 1 from public.users where id = ${userId}::uuid)
    on conflict do nothing`)
  const { rows } = await tx.execute<{ user_id: string }>(
    sql`select user_id from ${billingCustomers} where stripe_customer_id = ${customerId}`,
  )
  return rows[0]?.user_id ?? null
}

function outcomeOf(intent: EventIntent, userId: string | null, read: CustomerRead): string {
  if (intent.kind === "ignore") return intent.outcome
  if (!userId) return intent.refusedLink ? `ignored_link_refused: ${intent.refusedLink}` : "ignored_unknown_customer"
  if (read.customer?.deleted) return "customer_deleted"
  // A second live subscription is reported on every event of the read, where `billing:events` shows it.
  const second = read.subscriptions && liveCount(read.subscriptions) > 1 ? "; customer has more than one live subscription" : ""
  const suffix = `${intent.refusedLink ? `; link refused: ${intent.refusedLink}` : ""}${second}`
  if (intent.checkoutSession?.status === "expired") return "checkout_expired"
  if (intent.creditPurchase) return `credit_purchase_recorded${suffix}`
  if (intent.creditBalanceChanged) return "credit_balance_refresh"
  if (!intent.subscriptionId) return `synced${suffix}`
  const sub = read.subscriptions?.find((s) => s.id === intent.subscriptionId)
  return `${sub ? `synced_${sub.status}` : "synced_subscription_not_found"}${suffix}`
}

async function recordFailure(customerId: string, owner: string, pending: Pending[], message: string) {
  const attempts = JSON.stringify(pending.map((p) => ({ id: p.id, failures: p.attempts + 1, delay: retryDelaySeconds(p.attempts + 1) })))
  await db.transaction(async (tx) => {
    if (pending.length) {
      await tx.execute(sql`update ${subscriptionEvents} e set attempts = v.failures, error = ${message},
          next_attempt_at = now() + make_interval(secs => v.delay),
          dead_at = case when v.failures >= ${env.billing.maxAttempts} then now() end
        from json_to_recordset(${attempts}::json) as v(id text, failures int, delay float8)
        where e.stripe_event_id = v.id`)
    }
    await tx.execute(sql`update ${customerSyncs} set lease_owner = null, lease_until = null, updated_at = now()
      where stripe_customer_id = ${customerId} and lease_owner = ${owner}`)
  })
}

// Every column the sync writes takes the incoming value; id and created_at stay as first written.
const UPSERT_SET = Object.fromEntries(
  Object.entries(getTableColumns(userSubscriptions))
    .filter(([key]) => !["id", "stripeSubscriptionId", "createdAt", "updatedAt"].includes(key))
    .map(([key, column]) => [key, sql.raw(`excluded.${column.name}`)])
    .concat([["updatedAt", sql`now()`]]),
)
