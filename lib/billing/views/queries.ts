// Reads for pages: a user's plans, subscription and billing details, under row-level security.
import "server-only"
import { and, asc, desc, eq, gte, isNotNull, sql } from "drizzle-orm"
import { db, type Transaction } from "@/lib/db/client"
import {
  billingCustomers,
  subscriptionEvents,
  subscriptionPlans,
  userSubscriptions,
  type Plan,
  type UserSubscription,
} from "@/lib/db/schema"
import { currentOf } from "../status"

/** Runs `fn` as the Supabase `authenticated` role with the user's claims, so RLS decides what it sees. */
export async function asUser<T>(userId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // One round trip: the claims RLS reads through auth.uid(), and SET LOCAL ROLE authenticated.
    await tx.execute(
      sql`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true), set_config('role', 'authenticated', true)`,
    )
    return fn(tx)
  })
}

export async function listPlans(): Promise<Plan[]> {
  return db.select().from(subscriptionPlans).where(eq(subscriptionPlans.active, true)).orderBy(asc(subscriptionPlans.sortOrder))
}

export type SubscriptionView = UserSubscription & { plan: Plan | null }

export async function getUserSubscriptions(userId: string): Promise<SubscriptionView[]> {
  const rows = await asUser(userId, (tx) =>
    tx
      .select({ sub: userSubscriptions, plan: subscriptionPlans })
      .from(userSubscriptions)
      .leftJoin(subscriptionPlans, eq(subscriptionPlans.id, userSubscriptions.planId))
      .where(eq(userSubscriptions.userId, userId))
      .orderBy(desc(userSubscriptions.stripeCreatedAt)),
  )
  return rows.map((r) => ({ ...r.sub, plan: r.plan }))
}

/** The subscription that represents the user now (the live one, else the latest), or null. */
export async function getCurrentSubscription(userId: string): Promise<SubscriptionView | null> {
  return currentOf(await getUserSubscriptions(userId)) ?? null
}

/** Billing details are server-only (no RLS policy for users): read with the server connection, by the session's user id. */
export async function getBillingCustomer(userId: string) {
  const [row] = await db.select().from(billingCustomers).where(eq(billingCustomers.userId, userId))
  return row ?? null
}

/** The trial_will_end event for this subscription's current trial went through the inbox (recorded and applied). */
export async function trialWillEndReceived(s: Pick<UserSubscription, "stripeCustomerId" | "trialStart">): Promise<boolean> {
  if (!s.trialStart) return false
  const [row] = await db
    .select({ id: subscriptionEvents.stripeEventId })
    .from(subscriptionEvents)
    .where(
      and(
        eq(subscriptionEvents.type, "customer.subscription.trial_will_end"),
        eq(subscriptionEvents.customerId, s.stripeCustomerId),
        gte(subscriptionEvents.stripeCreatedAt, s.trialStart),
        isNotNull(subscriptionEvents.processedAt),
      ),
    )
    .limit(1)
  return Boolean(row)
}
