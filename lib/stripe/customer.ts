// One Stripe customer per user, race-safe: the Idempotency-Key makes concurrent creates return the
// same customer from Stripe, and the unique mapping row makes concurrent inserts agree in Postgres.
import "server-only"
import { eq } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { billingCustomers } from "@/lib/db/schema"
import { stripe } from "./config"

export async function getOrCreateStripeCustomer(userId: string, email: string | null | undefined): Promise<string> {
  const existing = await findStripeCustomerId(userId)
  if (existing) return existing
  const customer = await stripe.customers.create(
    { ...(email ? { email } : {}), metadata: { user_id: userId } },
    // Stripe keeps keys for 24 h; after that the mapping row answers before we get here.
    { idempotencyKey: `subkit-customer-${userId}` },
  )
  await db
    .insert(billingCustomers)
    .values({ userId, stripeCustomerId: customer.id, email: customer.email })
    .onConflictDoNothing({ target: billingCustomers.userId })
  const stored = await findStripeCustomerId(userId)
  if (!stored) throw new Error(`customer mapping for ${userId} vanished`)
  return stored
}

export async function findStripeCustomerId(userId: string): Promise<string | null> {
  const [row] = await db.select({ id: billingCustomers.stripeCustomerId }).from(billingCustomers).where(eq(billingCustomers.userId, userId))
  return row?.id ?? null
}
