// "May this user do X?": answered from active_entitlements, the cache of Stripe's active entitlements
// that the per-customer sync keeps (lib/billing/customer-sync.ts). Team members will inherit the
// owner's once teams exist (issue 13, part 3).
import "server-only"
import { and, eq } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { activeEntitlements } from "@/lib/db/schema"
import type { FeatureKey } from "./catalog"

export async function hasEntitlement(userId: string, key: FeatureKey): Promise<boolean> {
  const rows = await db
    .select({ key: activeEntitlements.lookupKey })
    .from(activeEntitlements)
    .where(and(eq(activeEntitlements.userId, userId), eq(activeEntitlements.lookupKey, key)))
    .limit(1)
  return rows.length > 0
}

/** Every feature key the user has now (one query for a page that gates several features). */
export async function entitlementKeys(userId: string): Promise<Set<string>> {
  const rows = await db.select({ key: activeEntitlements.lookupKey }).from(activeEntitlements).where(eq(activeEntitlements.userId, userId))
  return new Set(rows.map((r) => r.key))
}
