// Credit packs after the payment (issue 19, item 4). The drain, applying checkout.session.completed of a
// pack's Checkout, records the purchase in the same transaction as the event's outcome: one row per
// Checkout Session (unique), so a second delivery of the event, or two drains at once, add nothing.
// Then, still in the drain and never on a request path, flushCreditGrants makes the Stripe credit grant
// for each recorded purchase (an outbox: claimed with skip locked, retried with backoff, dead after the
// maximum attempts) under an idempotency key per session, and reads the customer's balance again.
import "server-only"
import { sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { createCreditGrant, readCreditBalance } from "@/lib/stripe"
import { CREDIT_PACKS, creditExpiry, creditGrantCents, isCreditPackId } from "../catalog"
import { retryDelaySeconds } from "../sync/retry"
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

export type CreditGrantReport = { granted: number; failed: number; dead: number; balances: number }

/** Grants the recorded purchases due, then refreshes the stale balances (the drain and the cron call it). */
export async function flushCreditGrants({ limit = 50 } = {}): Promise<CreditGrantReport> {
  const report: CreditGrantReport = { granted: 0, failed: 0, dead: 0, balances: 0 }
  const { rows } = await db.execute<{
    id: string
    stripe_checkout_session_id: string
    stripe_customer_id: string
    user_id: string
    pack_id: string
    grant_cents: number
    currency: string
    expires_at: string
    attempts: number
  }>(sql`
    with due as (
      select id from public.credit_purchases
      where granted_at is null and dead_at is null and next_attempt_at <= now() and (claimed_until is null or claimed_until < now())
      order by id limit ${limit} for update skip locked
    )
    update public.credit_purchases p set claimed_until = now() + interval '90 seconds'
    from due where p.id = due.id
    returning p.id, p.stripe_checkout_session_id, p.stripe_customer_id, p.user_id, p.pack_id, p.grant_cents, p.currency, p.expires_at, p.attempts`)
  for (const row of rows) {
    const pack = isCreditPackId(row.pack_id) ? CREDIT_PACKS[row.pack_id] : undefined
    try {
      const grantId = await createCreditGrant({
        customerId: row.stripe_customer_id,
        sessionId: row.stripe_checkout_session_id,
        name: pack?.name ?? row.pack_id,
        cents: row.grant_cents,
        currency: row.currency,
        expiresAt: new Date(row.expires_at),
        metadata: { user_id: row.user_id, credit_pack: row.pack_id, checkout_session: row.stripe_checkout_session_id },
      })
      await db.execute(sql`update public.credit_purchases set stripe_credit_grant_id = ${grantId}, granted_at = now(), claimed_until = null,
        attempts = attempts + 1, last_error = null where id = ${row.id}`)
      await markBalanceStale(db, row.stripe_customer_id)
      log.info("credit grant created", { session: row.stripe_checkout_session_id, grant: grantId })
      report.granted++
    } catch (err) {
      const attempts = row.attempts + 1
      const dead = attempts >= env.billing.maxAttempts
      await db.execute(sql`update public.credit_purchases set attempts = ${attempts}, claimed_until = null,
        last_error = ${(err as Error).message.slice(0, 500)},
        next_attempt_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)}),
        dead_at = ${dead ? sql`now()` : sql`null`}
        where id = ${row.id}`)
      log.error("credit grant failed", { session: row.stripe_checkout_session_id, attempts, error: err })
      if (dead) report.dead++
      else report.failed++
    }
  }
  report.balances = await refreshStaleBalances()
  return report
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
