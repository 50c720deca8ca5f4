// "May this user do X?": answered from active_entitlements, the cache of Stripe's active entitlements
// that the per-customer sync keeps (lib/billing/sync/apply.ts). A team member also has what the
// team's owner has while a paid seat is theirs: the owner's Team subscription pays for it. Removing the member, or the
// owner's subscription ending (Stripe drops the owner's entitlements), takes it away on the next call.
// The dunning grace policy (GRACE_POLICY, lib/billing/status.ts) is decided here too: a past_due plan's
// catalog features stay on until the grace ends, then lock until the invoice is paid (were Stripe to keep
// a past_due subscription's entitlements, `holders` drops them after the grace all the same).
import "server-only"
import { sql, type SQL } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { env } from "@/lib/env"
import { activeEntitlements, subscriptionPlans, teamMembers, teams, userSubscriptions } from "@/lib/db/schema"
import { CATALOG, type FeatureKey } from "../catalog"
import { accessSql } from "../status"

/**
 * Rows of the mode the app's key is in (issue 23, item 7): a test-mode purchase never grants anything to
 * an app running with a live key, nor a live one to a test deployment. Null: written before the mode was
 * recorded; it counts until the next sync writes it.
 */
const sameMode = (alias: SQL): SQL => {
  const live = env.stripeMode === "live"
  return sql`coalesce(${alias}.livemode, ${live}) = ${live}`
}

/**
 * The user ids whose entitlements `userId` has: their own, and their team owner's while they are a
 * member holding a paid seat and the owner's subscription is a per-seat plan with access (a downgrade to
 * Pro is not shared). The owner holds one seat; members hold the rest in the order they joined, so when
 * there are fewer seats than people (lowered at Stripe, where our seat rule does not run) the members
 * who joined last go without until seats are added. lib/billing/team/view.ts shows the same rule.
 */
const holders = (userId: string, now: Date): SQL =>
  sql`(select ${userId}::uuid where not exists (select 1 from ${userSubscriptions} as own
         where own.user_id = ${userId} and own.status = 'past_due' and not ${accessSql(sql`own`, now)})
       union all
       select ${teams.ownerUserId} from ${teamMembers} join ${teams} on ${teams.id} = ${teamMembers.teamId}
         join ${userSubscriptions} on ${userSubscriptions.userId} = ${teams.ownerUserId} and ${accessSql(sql`user_subscriptions`, now)}
           and ${sameMode(sql`user_subscriptions`)}
         join ${subscriptionPlans} on ${subscriptionPlans.id} = ${userSubscriptions.planId} and ${subscriptionPlans.perSeat}
       where ${teamMembers.userId} = ${userId} and ${teamMembers.role} = 'member'
         and (select count(*) from ${teamMembers} as earlier
              where earlier.team_id = ${teamMembers.teamId} and earlier.role = 'member'
                and (earlier.joined_at, earlier.user_id) < (${teamMembers.joinedAt}, ${teamMembers.userId})) < ${userSubscriptions.quantity} - 1)`

/**
 * The keys a holder's plan grants during its dunning grace, from the catalog: Stripe grants a
 * subscription's features only while it is active or trialing, so a past_due one has none of its own.
 */
const graced = (userId: string, now: Date): SQL => {
  const pairs = CATALOG.flatMap((p) => p.entitlements.map((key) => sql`(${p.id}, ${key})`))
  return sql`select grant_.key from ${userSubscriptions} as graced
      join (values ${sql.join(pairs, sql`, `)}) as grant_(plan_id, key) on grant_.plan_id = graced.plan_id
    where graced.user_id in ${holders(userId, now)} and graced.status = 'past_due' and ${accessSql(sql`graced`, now)}
      and ${sameMode(sql`graced`)}`
}

/** Every feature key the user has at `now`: Stripe's, and the plan's during a dunning grace. */
const keysSql = (userId: string, now: Date): SQL =>
  sql`select ${activeEntitlements.lookupKey} as key from ${activeEntitlements} where ${activeEntitlements.userId} in ${holders(userId, now)}
      and ${sameMode(sql`active_entitlements`)}
      union ${graced(userId, now)}`

/** `now` is for tests under a test clock; the app asks at the present time. */
export async function hasEntitlement(userId: string, key: FeatureKey, now = new Date()): Promise<boolean> {
  const { rows } = await db.execute<{ key: string }>(sql`select key from (${keysSql(userId, now)}) k where key = ${key} limit 1`)
  return rows.length > 0
}

/** Every feature key the user has now (one query for a page that gates several features). */
export async function entitlementKeys(userId: string, now = new Date()): Promise<Set<string>> {
  const { rows } = await db.execute<{ key: string }>(keysSql(userId, now))
  return new Set(rows.map((r) => r.key))
}
