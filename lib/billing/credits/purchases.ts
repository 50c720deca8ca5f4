// Credit packs after the payment (issue 19, item 4). The drain, applying checkout.session.completed of a
// pack's Checkout, records the purchase in the same transaction as the event's outcome: one row per
// Checkout Session (unique), so a second delivery of the event, or two drains at once, add nothing.
// Then, still in the drain and never on a request path, flushCreditGrants makes the Stripe credit grant
// for each recorded purchase (the credit grant outbox on lib/billing/outbox: leased claim, backoff, dead
// letters in billing:events) under an idempotency key per session, and reads the customer's balance again.
import "server-only"
import { sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"
import { log } from "@/lib/log"
import { createCreditGrant, readCreditBalance } from "@/lib/stripe"
import { CREDIT_PACKS, creditExpiry, creditGrantCents, isCreditPackId } from "../catalog"
import { defineOutbox } from "../outbox/outbox"
import type { EventIntent } from "../types"

/** Inside the drain's transaction: record each paid pack once, and mark balances to read again. */
export async function recordCreditEvents(tx: Executor, userId: string, customerId: string, intents: readonly EventIntent[]) {
  let stale = false
  let invoiced = false
  for (const intent of intents) {
    if (intent.kind !== "sync") continue
    stale ||= intent.creditBalanceChanged === true
    // An invoice may have drawn credits (Stripe applies them as it finalizes the renewal).
    invoiced ||= intent.invoiceId !== undefined
    const p = intent.creditPurchase
    if (!p || !isCreditPackId(p.packId)) continue
    const pack = CREDIT_PACKS[p.packId]
    stale = true
    await tx.execute(sql`insert into public.credit_purchases (stripe_checkout_session_id, user_id, stripe_customer_id, pack_id, meter,
        units, amount_paid, currency, grant_cents, paid_at, expires_at)
      values (${p.sessionId}, ${userId}::uuid, ${customerId}, ${pack.id}, ${pack.meter}, ${pack.units}, ${p.amountPaid}, ${p.currency},
        ${creditGrantCents(pack)}, ${p.paidAt}, ${creditExpiry(pack, p.paidAt)})
      on conflict (stripe_checkout_session_id) do nothing`)
  }
  if (stale) await markBalanceStale(tx, customerId)
  else if (invoiced)
    await tx.execute(sql`update public.credit_balances set stale = true, updated_at = now() where stripe_customer_id = ${customerId}`)
}

async function markBalanceStale(tx: Executor, customerId: string) {
  await tx.execute(sql`insert into public.credit_balances (stripe_customer_id, stale) values (${customerId}, true)
    on conflict (stripe_customer_id) do update set stale = true, updated_at = now()`)
}

type PurchaseRow = {
  stripe_checkout_session_id: string
  stripe_customer_id: string
  user_id: string
  pack_id: string
  grant_cents: number
  currency: string
  expires_at: string
}

/** The grants to make: one row (one purchase) a batch, on the one outbox mechanism (lib/billing/outbox). */
export const creditGrantsOutbox = defineOutbox<PurchaseRow>({
  name: "credit grant",
  table: "public.credit_purchases",
  columns: sql`o.stripe_checkout_session_id, o.stripe_customer_id, o.user_id::text user_id, o.pack_id, o.grant_cents, o.currency,
    o.expires_at::text expires_at`,
  batchSize: 50,
  concurrency: 1,
  deadColumns: sql`stripe_checkout_session_id session, stripe_customer_id customer`,
  async send({ rows: [row] }) {
    if (!row) return
    const pack = isCreditPackId(row.pack_id) ? CREDIT_PACKS[row.pack_id] : undefined
    const grantId = await createCreditGrant({
      customerId: row.stripe_customer_id,
      sessionId: row.stripe_checkout_session_id,
      name: pack?.name ?? row.pack_id,
      cents: row.grant_cents,
      currency: row.currency,
      expiresAt: new Date(row.expires_at),
      metadata: { user_id: row.user_id, credit_pack: row.pack_id, checkout_session: row.stripe_checkout_session_id },
    })
    await markBalanceStale(db, row.stripe_customer_id)
    log.info("credit grant created", { session: row.stripe_checkout_session_id, grant: grantId })
    return { set: sql`stripe_credit_grant_id = ${grantId}` }
  },
})

export type CreditGrantReport = { granted: number; failed: number; dead: number; balances: number }

/** Grants the recorded purchases due, then refreshes the stale balances (the drain calls it). `failed`: still retried. */
export async function flushCreditGrants({ limit = 50 } = {}): Promise<CreditGrantReport> {
  const { sent, failed, dead } = await creditGrantsOutbox.flush({ limit })
  return { granted: sent, failed: failed - dead, dead, balances: await refreshStaleBalances() }
}

/** Reads billing.creditBalanceSummary for each customer whose cached balance is stale; returns how many were read. */
export async function refreshStaleBalances({ limit = 20 } = {}): Promise<number> {
  const { rows } = await db.execute<{ stripe_customer_id: string; updated_at: string }>(sql`
    select stripe_customer_id, updated_at::text as updated_at from public.credit_balances where stale order by updated_at limit ${limit}`)
  let read = 0
  for (const row of rows) {
    try {
      const balance = await readCreditBalance(row.stripe_customer_id)
      // Marked stale again while Stripe was read (a newer grant or event): stays stale for the next flush.
      await db.execute(sql`update public.credit_balances set available_cents = ${balance.cents}, currency = ${balance.currency},
          refreshed_at = now(), stale = (updated_at > ${row.updated_at}::timestamptz), updated_at = now()
        where stripe_customer_id = ${row.stripe_customer_id}`)
      read++
    } catch (err) {
      log.warn("credit balance not refreshed; the next drain tries again", { customer: row.stripe_customer_id, error: String(err) })
    }
  }
  return read
}
