// The retention offer of the portal's cancel flow (RETENTION_OFFER): offered at most once per customer.
// Opening the cancel flow claims the offer (one statement); a customer who left the portal without
// answering may be offered it again, one who accepted or declined never. The customer sync decides the
// outcome from Stripe's subscription: the coupon on it is an acceptance, a cancellation a refusal.
import "server-only"
import { and, eq, sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"
import { retentionOffers, userSubscriptions } from "@/lib/db/schema"
import { RETENTION_OFFER } from "../catalog"

/** The coupon to offer in this cancel flow, or null when this customer was offered it and answered. */
export async function claimRetentionOffer(userId: string, customerId: string): Promise<string | null> {
  const rows = await db
    .insert(retentionOffers)
    .values({ stripeCustomerId: customerId, userId, couponId: RETENTION_OFFER.couponId })
    .onConflictDoUpdate({
      target: retentionOffers.stripeCustomerId,
      set: { offeredAt: sql`now()` },
      setWhere: eq(retentionOffers.outcome, "offered"),
    })
    .returning({ couponId: retentionOffers.couponId })
  return rows[0]?.couponId ?? null
}

/** The portal session was not opened after all: the claim is withdrawn so the next attempt offers it. */
export async function withdrawRetentionOffer(customerId: string) {
  await db.delete(retentionOffers).where(and(eq(retentionOffers.stripeCustomerId, customerId), eq(retentionOffers.outcome, "offered")))
}

/**
 * Inside the sync's write: an open offer becomes accepted when the offered coupon is the discount of one
 * of the customer's subscriptions, declined when one is set to cancel (or ended) while the offer is open.
 */
export async function decideRetentionOffer(tx: Executor, customerId: string) {
  await tx.execute(sql`update ${retentionOffers} r set
      outcome = d.outcome, decided_at = now()
    from (
      select case
        when exists (select 1 from ${userSubscriptions} s where s.stripe_customer_id = r2.stripe_customer_id
                     and s.discount_coupon_id = r2.coupon_id) then 'accepted'
        when exists (select 1 from ${userSubscriptions} s where s.stripe_customer_id = r2.stripe_customer_id
                     and (s.cancel_at_period_end or s.cancel_at is not null or s.ended_at is not null)) then 'declined'
      end as outcome, r2.stripe_customer_id
      from ${retentionOffers} r2 where r2.stripe_customer_id = ${customerId} and r2.outcome = 'offered'
    ) d
    where r.stripe_customer_id = d.stripe_customer_id and d.outcome is not null`)
}

/** What the manage page says about the offer. */
export async function retentionOfferOf(customerId: string) {
  const [row] = await db.select().from(retentionOffers).where(eq(retentionOffers.stripeCustomerId, customerId))
  return row ?? null
}
