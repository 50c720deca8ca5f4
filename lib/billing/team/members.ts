// Leaving a team: the owner removes a member, or a member leaves. Members lose the team's
// entitlements at once (hasEntitlement reads the membership on every call).
import "server-only"
import { and, eq } from "drizzle-orm"
import { z } from "zod"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { teamMembers, teams } from "@/lib/db/schema"
import { log } from "@/lib/log"
import { fail, type ActionResult } from "@/lib/result"

export async function removeMember(owner: CurrentUser, memberId: string): Promise<ActionResult> {
  if (!z.uuid().safeParse(memberId).success) return fail("not_found", "That person is not on your team.")
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, owner.id))
  if (!team) return fail("not_owner", "Only the team's owner can remove members.")
  if (memberId === owner.id) return fail("owner", "The owner's seat cannot be removed.")
  const removed = await db
    .delete(teamMembers)
    .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, memberId), eq(teamMembers.role, "member")))
    .returning({ userId: teamMembers.userId })
  if (!removed.length) return fail("not_found", "That person is not on your team.")
  log.info("team member removed", { teamId: team.id, userId: memberId })
  return { ok: true }
}

export async function leaveTeam(user: CurrentUser): Promise<ActionResult> {
  const left = await db
    .delete(teamMembers)
    .where(and(eq(teamMembers.userId, user.id), eq(teamMembers.role, "member")))
    .returning({ teamId: teamMembers.teamId })
  if (!left.length) return fail("not_member", "You're not a member of a team.")
  log.info("team member left", { teamId: left[0]?.teamId, userId: user.id })
  return { ok: true }
}
