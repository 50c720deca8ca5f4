// Sync from Stripe, the source of truth: fetch the current objects and upsert them. Serialized per
// Stripe customer with a transaction-scoped advisory lock, so two syncs of one customer cannot
// write an older state over a newer one, whatever order webhooks arrive in.
import "server-only"
import { eq, sql } from "drizzle-orm"
import type Stripe from "stripe"
import { db, type Executor } from "@/lib/db/client"
import { billingCustomers, subscriptionPlans, userSubscriptions } from "@/lib/db/schema"
import { stripe } from "@/lib/stripe/config"
import { cardSummary, customerFields, idOf, subscriptionRow } from "./mappers"

export async function lockCustomer(tx: Executor, customerId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`stripe-customer:${customerId}`}, 0))`)
}

async function planLookup(tx: Executor) {
  const plans = await tx
    .select({ id: subscriptionPlans.id, m: subscriptionPlans.stripeMonthlyPriceId, y: subscriptionPlans.stripeYearlyPriceId })
    .from(subscriptionPlans)
  const byPrice = new Map<string, string>()
  for (const p of plans) {
    if (p.m) byPrice.set(p.m, p.id)
    if (p.y) byPrice.set(p.y, p.id)
  }
  return (priceId: string) => byPrice.get(priceId) ?? null
}

export async function userIdForCustomer(tx: Executor, customerId: string): Promise<string | null> {
  const [row] = await tx.select({ userId: billingCustomers.userId }).from(billingCustomers).where(eq(billingCustomers.stripeCustomerId, customerId))
  return row?.userId ?? null
}

/** Writes one subscription as Stripe has it. Returns false when the customer is not one of ours. */
export async function upsertSubscription(tx: Executor, sub: Stripe.Subscription, planIdForPrice?: (priceId: string) => string | null) {
  const customerId = idOf(sub.customer)!
  const userId = await userIdForCustomer(tx, customerId)
  if (!userId) return false
  const row = subscriptionRow(sub, { userId, planIdForPrice: planIdForPrice ?? (await planLookup(tx)) })
  const { stripeSubscriptionId: _id, ...changes } = row
  await tx
    .insert(userSubscriptions)
    .values(row)
    .onConflictDoUpdate({ target: userSubscriptions.stripeSubscriptionId, set: { ...changes, updatedAt: sql`now()` } })
  return true
}

/**
 * Brings a customer's cached details and every one of their subscriptions up to Stripe's current
 * state. Call inside a transaction (it takes the customer's lock).
 */
export async function syncCustomer(tx: Executor, customerId: string): Promise<"synced" | "unknown_customer" | "deleted_customer"> {
  await lockCustomer(tx, customerId)
  if (!(await userIdForCustomer(tx, customerId))) return "unknown_customer"
  const customer = await stripe.customers.retrieve(customerId, { expand: ["invoice_settings.default_payment_method"] })
  if (customer.deleted) return "deleted_customer"
  const lookup = await planLookup(tx)
  let fallbackCard = null
  for await (const sub of stripe.subscriptions.list({ customer: customerId, status: "all", limit: 100, expand: ["data.default_payment_method"] })) {
    await upsertSubscription(tx, sub, lookup)
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
