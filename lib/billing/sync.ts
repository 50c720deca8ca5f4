// Sync from Stripe, the source of truth: fetch the current objects and upsert them. Serialized per
// Stripe customer with a transaction-scoped advisory lock, so two syncs of one customer cannot
// write an older state over a newer one, whatever order webhooks arrive in.
import "server-only"
import { eq, sql } from "drizzle-orm"
import type Stripe from "stripe"
import { db, type Executor } from "@/lib/db/client"
import { billingCustomers, subscriptionPlans, userSubscriptions } from "@/lib/db/schema"
import { stripe } from "@/lib/stripe/config"
import { cardSummary, customerFields, subscriptionRow } from "./mappers"

/**
 * Takes the customer's transaction-scoped lock and returns the user it belongs to (null: not ours).
 * The mapping is written once, so reading it in the same round trip as the lock is safe.
 */
export async function lockCustomer(tx: Executor, customerId: string): Promise<string | null> {
  const result = await tx.execute<{ user_id: string | null }>(sql`
    select pg_advisory_xact_lock(hashtextextended(${`stripe-customer:${customerId}`}, 0)) as locked,
      (select ${billingCustomers.userId} from ${billingCustomers} where ${billingCustomers.stripeCustomerId} = ${customerId}) as user_id`)
  return result.rows[0]?.user_id ?? null
}

// Price → plan, cached per process: plans change only when stripe:setup runs, and a price we have not
// seen reloads the table, so a new price is never mapped to "no plan".
let planCache: Map<string, string> | undefined
async function planIdForPrice(tx: Executor, priceId: string): Promise<string | null> {
  if (!planCache?.has(priceId)) {
    const plans = await tx
      .select({ id: subscriptionPlans.id, m: subscriptionPlans.stripeMonthlyPriceId, y: subscriptionPlans.stripeYearlyPriceId })
      .from(subscriptionPlans)
    planCache = new Map()
    for (const p of plans) {
      if (p.m) planCache.set(p.m, p.id)
      if (p.y) planCache.set(p.y, p.id)
    }
  }
  return planCache.get(priceId) ?? null
}

/** Writes one subscription as Stripe has it, for the user `lockCustomer` returned. */
export async function upsertSubscription(tx: Executor, sub: Stripe.Subscription, userId: string) {
  const priceId = sub.items.data[0]?.price.id
  const planId = priceId ? await planIdForPrice(tx, priceId) : null
  const row = subscriptionRow(sub, { userId, planIdForPrice: () => planId })
  const { stripeSubscriptionId: _id, ...changes } = row
  await tx
    .insert(userSubscriptions)
    .values(row)
    .onConflictDoUpdate({ target: userSubscriptions.stripeSubscriptionId, set: { ...changes, updatedAt: sql`now()` } })
}

/**
 * Brings a customer's cached details and every one of their subscriptions up to Stripe's current
 * state. Call inside a transaction (it takes the customer's lock).
 */
export async function syncCustomer(tx: Executor, customerId: string): Promise<"synced" | "unknown_customer" | "deleted_customer"> {
  const userId = await lockCustomer(tx, customerId)
  if (!userId) return "unknown_customer"
  const customer = await stripe.customers.retrieve(customerId, { expand: ["invoice_settings.default_payment_method"] })
  if (customer.deleted) return "deleted_customer"
  let fallbackCard = null
  for await (const sub of stripe.subscriptions.list({ customer: customerId, status: "all", limit: 100, expand: ["data.default_payment_method"] })) {
    await upsertSubscription(tx, sub, userId)
    fallbackCard ??= ["canceled", "incomplete_expired"].includes(sub.status) ? null : cardSummary(sub.default_payment_method as Stripe.PaymentMethod | null)
  }
  await tx
    .update(billingCustomers)
    .set({ ...customerFields(customer, fallbackCard), updatedAt: sql`now()` })
    .where(eq(billingCustomers.stripeCustomerId, customerId))
  return "synced"
}

/** Eager sync for pages users return to (Checkout success, portal return): webhooks may lag. */
export async function syncUserBilling(userId: string): Promise<"synced" | "no_customer" | "unknown_customer" | "deleted_customer"> {
  const [mapping] = await db.select().from(billingCustomers).where(eq(billingCustomers.userId, userId))
  if (!mapping) return "no_customer"
  return db.transaction((tx) => syncCustomer(tx, mapping.stripeCustomerId))
}
