// One free trial per card (issue 23, item 5). With cards collected at Checkout, the card is known only
// once Checkout completes, after the trial was granted: so the rule is applied by the sync. Every
// subscription that had a trial records its card's fingerprint (Stripe's card.fingerprint is the same
// for one card number on any customer); a subscription trialing on a card an earlier trial used gets an
// `end_trial` action, which the drain sends as subscriptions.update(trial_end=now): Stripe bills the
// first period at once, on that card. Decided in the sync (not on a request path) and sent through the
// billing_actions outbox (lib/billing/outbox), so a retry or a second drain never ends it twice (one
// action per subscription, an idempotency key per subscription).
import "server-only"
import { sql } from "drizzle-orm"
import type { Executor } from "@/lib/db/client"
import { log } from "@/lib/log"
import { endTrialNow } from "@/lib/stripe"
import { defineOutbox } from "../outbox/outbox"
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

type Row = { kind: string; stripe_subscription_id: string }

/** What each kind of billing action calls; a new kind is a handler here (and in the table's kind check). */
export const BILLING_ACTIONS: Record<string, (row: Row) => Promise<void>> = {
  async end_trial(row) {
    await endTrialNow(row.stripe_subscription_id)
    log.info("trial ended: the card already had a trial", { subscriptionId: row.stripe_subscription_id })
  },
}

export const billingActionsOutbox = defineOutbox<Row>({
  name: "billing action",
  table: "public.billing_actions",
  columns: sql`o.kind, o.stripe_subscription_id`,
  batchSize: 50,
  concurrency: 1,
  deadColumns: sql`kind, stripe_subscription_id subscription`,
  async send({ rows: [row] }) {
    const action = row && BILLING_ACTIONS[row.kind]
    if (!action) throw new Error(`unknown billing action ${row?.kind}`) // retried, not dead: a newer deploy may know it
    await action(row as Row)
  },
})

/** Sends due billing actions (the drain and the cron call it). `failed` counts those still retried. */
export async function flushBillingActions({ limit = 50 } = {}): Promise<{ sent: number; failed: number; dead: number }> {
  const { sent, failed, dead } = await billingActionsOutbox.flush({ limit })
  return { sent, failed: failed - dead, dead }
}
