// One Stripe customer per user, race-safe: concurrent creates share an Idempotency-Key at Stripe and
// agree on one mapping row here. A customer Stripe reports deleted is replaced on next use.
import "server-only"
import { and, eq, sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { billingCustomers } from "@/lib/db/schema"
import { createCustomer } from "@/lib/stripe"

export async function getOrCreateBillingCustomer(userId: string, email: string | null | undefined): Promise<string> {
  const existing = await mappingOf(userId)
  if (existing && !existing.deleted) return existing.id
  const created = await createCustomer(userId, email, existing?.id)
  if (existing) {
    await db
      .update(billingCustomers)
      .set({
        stripeCustomerId: created,
        stripeCustomerDeletedAt: null,
        email: email ?? null,
        defaultPaymentMethod: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(billingCustomers.userId, userId), eq(billingCustomers.stripeCustomerId, existing.id)))
  } else {
    await db
      .insert(billingCustomers)
      .values({ userId, stripeCustomerId: created, email: email ?? null })
      .onConflictDoNothing({ target: billingCustomers.userId })
  }
  const stored = await mappingOf(userId)
  if (!stored || stored.deleted) throw new Error(`customer mapping for ${userId} vanished`)
  return stored.id
}

/** The user's live customer id, or null (no mapping, or its customer was deleted at Stripe). */
export async function findBillingCustomerId(userId: string): Promise<string | null> {
  const m = await mappingOf(userId)
  return m && !m.deleted ? m.id : null
}

/** Stripe said the customer does not exist (resource_missing): the next use replaces it. */
export async function markCustomerDeleted(customerId: string) {
  await db.execute(sql`update ${billingCustomers} set stripe_customer_deleted_at = now(), updated_at = now()
    where stripe_customer_id = ${customerId} and stripe_customer_deleted_at is null`)
}

async function mappingOf(userId: string) {
  const [row] = await db
    .select({ id: billingCustomers.stripeCustomerId, deletedAt: billingCustomers.stripeCustomerDeletedAt })
    .from(billingCustomers)
    .where(eq(billingCustomers.userId, userId))
  return row ? { id: row.id, deleted: row.deletedAt !== null } : null
}
