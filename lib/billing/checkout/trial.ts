// Whether a user may start a free trial: our records, then Stripe's for their customer (read outside
// any transaction). The rule itself is trial-eligibility.ts.
import "server-only"
import { eq } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { userSubscriptions } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { readCustomer } from "@/lib/stripe"
import { trialEligibility, type PastSubscription, type TrialDecision as RuleDecision } from "./trial-eligibility"

export type TrialDecision = RuleDecision | { eligible: false; reason: "trials_off" }

async function ourHistory(userId: string): Promise<PastSubscription[]> {
  return db
    .select({ status: userSubscriptions.status, trialStart: userSubscriptions.trialStart })
    .from(userSubscriptions)
    .where(eq(userSubscriptions.userId, userId))
}

/** For pages (pricing): our records only, so rendering never waits on Stripe. Checkout decides for real. */
export async function trialOfferedFromRecords(userId: string): Promise<boolean> {
  if (!env.billing.trials) return false
  return trialEligibility({ ours: await ourHistory(userId), stripe: [] }).eligible
}

/**
 * Checkout's decision: our rows for every customer the user ever had, plus Stripe's list (status=all)
 * for the current one. `synced`: Checkout's forced sync has just read that list through the adapter and
 * written every subscription in it to our rows, so a second read would only spend rate limit.
 */
export async function decideTrial(userId: string, customerId: string, { synced }: { synced: boolean }): Promise<TrialDecision> {
  if (!env.billing.trials) return { eligible: false, reason: "trials_off" }
  const ours = await ourHistory(userId)
  const local = trialEligibility({ ours, stripe: [] })
  if (!local.eligible || synced) return local
  const read = await readCustomer(customerId, { customer: false, subscriptions: true })
  return trialEligibility({ ours, stripe: read.subscriptions ?? [] })
}
