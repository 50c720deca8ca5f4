// One free trial per card (issue 23, item 5). With cards collected at Checkout, the card is known only
// once Checkout completes, after the trial was granted: so the rule is applied by the sync. Every
// subscription that had a trial records its card's fingerprint (Stripe's card.fingerprint is the same
// for one card number on any customer); a subscription trialing on a card an earlier trial used gets an
// `end_trial` action, which the drain sends as subscriptions.update(trial_end=now): Stripe bills the
// first period at once, on that card. Decided in the sync (not on a request path) and sent through the
// billing_actions outbox, so a retry or a second drain never ends it twice (one action per subscription,
// an idempotency key per subscription).
import "server-only"
import { sql } from "drizzle-orm"
import type { Executor } from "@/lib/db/client"
import { db } from "@/lib/db/client"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { endTrialNow } from "@/lib/stripe"
import { retryDelaySeconds } from "../sync/retry"
import type { CustomerState, SubscriptionState } from "../types"

export const TRIAL_CARD_REASON = "card_had_trial"

/** Inside the sync's transaction: record trial cards and queue an end for a trial on a used card. */
export async function recordTrialCards(
  tx: Executor,
  userId: string,
  subscriptions: readonly SubscriptionState[],
  customer: CustomerState | undefined,
): Promise<void> {
  const customerCard = customer && !customer.deleted ? customer.cardFingerprint : null
  for (const s of subscriptions) {
    if (!s.trialStart) continue
    const fingerprint = s.cardFingerprint ?? customerCard
    if (!fingerprint) continue
    await tx.execute(sql`insert into public.trial_cards (fingerprint, stripe_subscription_id, user_id)
      values (${fingerprint}, ${s.id}, ${userId}) on conflict do nothing`)
    if (s.status !== "trialing") continue
    // An earlier trial on this card (another subscription, seen first): this one gets none.
    await tx.execute(sql`insert into public.billing_actions (kind, stripe_subscription_id, reason)
      select 'end_trial', ${s.id}, ${TRIAL_CARD_REASON}
      where exists (select 1 from public.trial_cards earlier
                    where earlier.fingerprint = ${fingerprint} and earlier.stripe_subscription_id <> ${s.id}
                      and earlier.first_seen_at <= (select first_seen_at from public.trial_cards
                                                    where fingerprint = ${fingerprint} and stripe_subscription_id = ${s.id}))
      on conflict (kind, stripe_subscription_id) do nothing`)
  }
}

export type ActionsReport = { sent: number; failed: number; dead: number }

/** Sends due billing actions (the drain and the cron call it). */
export async function flushBillingActions({ limit = 50 } = {}): Promise<ActionsReport> {
  const report: ActionsReport = { sent: 0, failed: 0, dead: 0 }
  const { rows } = await db.execute<{ id: string; stripe_subscription_id: string; attempts: number }>(sql`
    with due as (
      select id from public.billing_actions
      where done_at is null and dead_at is null and next_attempt_at <= now() and (claimed_until is null or claimed_until < now())
      order by id limit ${limit} for update skip locked
    )
    update public.billing_actions a set claimed_until = now() + interval '90 seconds'
    from due where a.id = due.id
    returning a.id, a.stripe_subscription_id, a.attempts`)
  for (const row of rows) {
    try {
      await endTrialNow(row.stripe_subscription_id)
      await db.execute(sql`update public.billing_actions set done_at = now(), claimed_until = null, attempts = attempts + 1
        where id = ${row.id}`)
      log.info("trial ended: the card already had a trial", { subscriptionId: row.stripe_subscription_id })
      report.sent++
    } catch (err) {
      const attempts = row.attempts + 1
      const dead = attempts >= env.billing.maxAttempts
      await db.execute(sql`update public.billing_actions set attempts = ${attempts}, claimed_until = null,
        last_error = ${(err as Error).message.slice(0, 500)},
        next_attempt_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)}),
        dead_at = ${dead ? sql`now()` : sql`null`}
        where id = ${row.id}`)
      log.error("billing action failed", { subscriptionId: row.stripe_subscription_id, attempts, error: err })
      if (dead) report.dead++
      else report.failed++
    }
  }
  return report
}
