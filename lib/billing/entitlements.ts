// "May this user do X?": answered from active_entitlements, the cache of Stripe's active entitlements
// that the per-customer sync keeps (lib/billing/customer-sync.ts). A team member also has what the
// team's owner has: the owner's Team subscription pays for their seat. Removing the member, or the
// owner's subscription ending (Stripe drops the owner's entitlements), takes it away on the next call.
import "server-only"
import { and, eq, sql, type SQL } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { activeEntitlements, subscriptionPlans, teamMembers, teams, userSubscriptions } from "@/lib/db/schema"
import type { FeatureKey } from "./catalog"
import { ACCESS_STATUSES } from "./status"

/**
 * The user ids whose entitlements `userId` has: their own, and their team owner's while they are a
 * member and the owner's subscription is a per-seat plan with access (a downgrade to Pro is not shared).
 */
const holders = (userId: string): SQL =>
  sql`(select ${userId}::uuid union all
       select ${teams.ownerUserId} from ${teamMembers} join ${teams} on ${teams.id} = ${teamMembers.teamId}
       where ${teamMembers.userId} = ${userId} and ${teamMembers.role} = 'member'
         and exists (select 1 from ${userSubscriptions} join ${subscriptionPlans} on ${subscriptionPlans.id} = ${userSubscriptions.planId}
                     where ${userSubscriptions.userId} = ${teams.ownerUserId} and ${subscriptionPlans.perSeat}
                       and ${userSubscriptions.status} in ${ACCESS_STATUSES}))`

export async function hasEntitlement(userId: string, key: FeatureKey): Promise<boolean> {
  const rows = await db
    .select({ key: activeEntitlements.lookupKey })
    .from(activeEntitlements)
    .where(and(sql`${activeEntitlements.userId} in ${holders(userId)}`, eq(activeEntitlements.lookupKey, key)))
    .limit(1)
  return rows.length > 0
}

/** Every feature key the user has now (one query for a page that gates several features). */
export async function entitlementKeys(userId: string): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ key: activeEntitlements.lookupKey })
    .from(activeEntitlements)
    .where(sql`${activeEntitlements.userId} in ${holders(userId)}`)
  return new Set(rows.map((r) => r.key))
}
