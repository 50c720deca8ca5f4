// "May this user do X?": answered from active_entitlements, the cache of Stripe's active entitlements
// that the per-customer sync keeps (lib/billing/sync/apply.ts). A team member also has what the
// team's owner has while a paid seat is theirs: the owner's Team subscription pays for it. Removing the member, or the
// owner's subscription ending (Stripe drops the owner's entitlements), takes it away on the next call.
import "server-only"
import { and, eq, sql, type SQL } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { activeEntitlements, subscriptionPlans, teamMembers, teams, userSubscriptions } from "@/lib/db/schema"
import type { FeatureKey } from "../catalog"
import { ACCESS_STATUSES } from "../status"

/**
 * The user ids whose entitlements `userId` has: their own, and their team owner's while they are a
 * member holding a paid seat and the owner's subscription is a per-seat plan with access (a downgrade to
 * Pro is not shared). The owner holds one seat; members hold the rest in the order they joined, so when
 * there are fewer seats than people (lowered at Stripe, where our seat rule does not run) the members
 * who joined last go without until seats are added. lib/billing/team/view.ts shows the same rule.
 */
const holders = (userId: string): SQL =>
  sql`(select ${userId}::uuid union all
       select ${teams.ownerUserId} from ${teamMembers} join ${teams} on ${teams.id} = ${teamMembers.teamId}
         join ${userSubscriptions} on ${userSubscriptions.userId} = ${teams.ownerUserId} and ${userSubscriptions.status} in ${ACCESS_STATUSES}
         join ${subscriptionPlans} on ${subscriptionPlans.id} = ${userSubscriptions.planId} and ${subscriptionPlans.perSeat}
       where ${teamMembers.userId} = ${userId} and ${teamMembers.role} = 'member'
         and (select count(*) from ${teamMembers} as earlier
              where earlier.team_id = ${teamMembers.teamId} and earlier.role = 'member'
                and (earlier.joined_at, earlier.user_id) < (${teamMembers.joinedAt}, ${teamMembers.userId})) < ${userSubscriptions.quantity} - 1)`

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
