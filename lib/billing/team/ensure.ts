// A Team owner's team row (and their owner seat), made the first time it is needed: when the team page is
// opened (view.ts) or when the owner first records usage (usage/allowance.ts), so a Team's usage pool is
// the team's from its first unit.
import "server-only"
import { eq } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { teamMembers, teams } from "@/lib/db/schema"

/** Creates the owner's team (and their owner seat) if they have none; a no-op when it exists. Returns the team's id. */
export async function ensureTeam(ownerId: string): Promise<string> {
  return db.transaction(async (tx) => {
    const [created] = await tx.insert(teams).values({ ownerUserId: ownerId }).onConflictDoNothing().returning({ id: teams.id })
    if (created) {
      await tx.insert(teamMembers).values({ teamId: created.id, userId: ownerId, role: "owner" }).onConflictDoNothing()
      return created.id
    }
    const [existing] = await tx.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, ownerId))
    if (!existing) throw new Error("team vanished")
    return existing.id
  })
}
