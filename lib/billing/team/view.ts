// What the team page shows: the signed-in user's team (read as that user, so RLS decides what is
// visible), its members and, for the owner, the open invites and the seats. An owner with a live
// Team subscription and no team yet gets one here.
import "server-only"
import { asc, desc, eq, inArray } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { teamInvites, teamMembers, teams, users } from "@/lib/db/schema"
import type { TeamRole } from "../types"
import { asUser, type SubscriptionView } from "../views/queries"
import { ensureTeam } from "./ensure"
import { openInvite, teamSubscription } from "./seats"

export { ensureTeam }

export type TeamMemberView = {
  userId: string
  email: string | null
  role: TeamRole
  joinedAt: Date
  /** Holds a paid seat. False for members past the seat count (joined last): no Team features for now. */
  seated: boolean
}
export type TeamInviteView = { id: string; email: string; createdAt: Date; expiresAt: Date }

export type TeamView =
  | { kind: "none"; ownTeamPlan: boolean }
  | {
      kind: "owner"
      teamId: string
      subscription: SubscriptionView | null
      /** The subscription's quantity while it is live, else 0 (no one can join). */
      seats: number
      members: TeamMemberView[]
      invites: TeamInviteView[]
    }
  | { kind: "member"; teamId: string; ownerEmail: string | null; members: TeamMemberView[]; ownTeamPlan: boolean }

async function membershipOf(userId: string) {
  const [row] = await asUser(userId, (tx) =>
    tx
      .select({ teamId: teamMembers.teamId, role: teamMembers.role, ownerId: teams.ownerUserId })
      .from(teamMembers)
      .innerJoin(teams, eq(teams.id, teamMembers.teamId))
      .where(eq(teamMembers.userId, userId)),
  )
  return row ?? null
}

export async function getTeamView(userId: string): Promise<TeamView> {
  let membership = await membershipOf(userId)
  const ownSubscription = await teamSubscription(userId)
  if (!membership && ownSubscription) {
    await ensureTeam(userId)
    membership = await membershipOf(userId)
  }
  if (!membership) return { kind: "none", ownTeamPlan: Boolean(ownSubscription) }
  const { teamId } = membership
  const [memberRows, inviteRows] = await asUser(userId, (tx) =>
    Promise.all([
      tx.select().from(teamMembers).where(eq(teamMembers.teamId, teamId)).orderBy(asc(teamMembers.joinedAt), asc(teamMembers.userId)),
      // RLS returns the invites to the owner only.
      tx.select().from(teamInvites).where(openInvite(teamId)).orderBy(desc(teamInvites.createdAt)),
    ]),
  )
  // users rows are private to each user (RLS): the names of the people on a team this user is on
  // come from the server connection, for exactly the members RLS showed.
  const ids = memberRows.map((m) => m.userId)
  const emails = new Map(
    (ids.length ? await db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, ids)) : []).map((u) => [
      u.id,
      u.email,
    ]),
  )
  // The owner holds one seat and members the rest in the order they joined (as lib/billing/views/entitlements.ts
  // shares them); while the owner has no live Team subscription nobody is flagged: nobody has the features.
  const ownerSubscription = membership.role === "owner" ? ownSubscription : await teamSubscription(membership.ownerId)
  const seats = ownerSubscription?.quantity ?? 0
  let seatsLeft = seats - 1
  const members = memberRows.map((m) => ({
    userId: m.userId,
    email: emails.get(m.userId) ?? null,
    role: m.role,
    joinedAt: m.joinedAt,
    seated: m.role === "owner" || !ownerSubscription || seatsLeft-- > 0,
  }))
  if (membership.role === "owner") {
    return {
      kind: "owner",
      teamId,
      subscription: ownSubscription,
      seats,
      members,
      invites: inviteRows.map((i) => ({ id: i.id, email: i.email, createdAt: i.createdAt, expiresAt: i.expiresAt })),
    }
  }
  const owner = members.find((m) => m.role === "owner")
  return { kind: "member", teamId, ownerEmail: owner?.email ?? null, members, ownTeamPlan: Boolean(ownSubscription) }
}
