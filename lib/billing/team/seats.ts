// How many seats a team has and how many are taken: the owner's live per-seat subscription pays for
// them (its quantity); the owner, each member and each open invite hold one.
import "server-only"
import { and, count, eq, gt, isNull, sql } from "drizzle-orm"
import type { Executor } from "@/lib/db/client"
import { teamInvites, teamMembers } from "@/lib/db/schema"
import { getCurrentSubscription, type SubscriptionView } from "../views/queries"
import { hasAccess } from "../status"

/**
 * The owner's subscription that pays for the team's seats (a per-seat plan with access), or null. The
 * rule is the entitlements' (ACCESS_STATUSES): a paused or unpaid subscription gives members nothing,
 * so it takes no invites, joins or seat changes either.
 */
export async function teamSubscription(ownerId: string): Promise<SubscriptionView | null> {
  const sub = await getCurrentSubscription(ownerId)
  return sub?.plan?.perSeat && hasAccess(sub.status) ? sub : null
}

/** Why the owner's Team subscription, still theirs but paused or unpaid, refuses `doing` for now; null otherwise. */
export async function suspendedTeamMessage(ownerId: string, doing: string): Promise<string | null> {
  const sub = await getCurrentSubscription(ownerId)
  if (!sub?.plan?.perSeat) return null
  if (sub.status === "paused") return `Your Team subscription is paused, so ${doing} until it resumes.`
  if (sub.status === "unpaid") return `Your Team subscription is unpaid, so ${doing} until its invoice is paid.`
  return null
}

export type SeatUse = { members: number; openInvites: number }

export const openInvite = (teamId: string) =>
  and(eq(teamInvites.teamId, teamId), isNull(teamInvites.acceptedAt), isNull(teamInvites.revokedAt), gt(teamInvites.expiresAt, sql`now()`))

export async function seatUse(ex: Executor, teamId: string): Promise<SeatUse> {
  const [[m], [i]] = await Promise.all([
    ex.select({ n: count() }).from(teamMembers).where(eq(teamMembers.teamId, teamId)),
    ex.select({ n: count() }).from(teamInvites).where(openInvite(teamId)),
  ])
  return { members: m?.n ?? 0, openInvites: i?.n ?? 0 }
}

/** Why `seats` is too few for the people on the team and the open invites, or null if it is enough. */
export function seatShortfall(seats: number, use: SeatUse): string | null {
  if (seats < use.members)
    return `${use.members} people are on your team, so it needs at least ${use.members} seats. Remove members first to go lower.`
  if (seats < use.members + use.openInvites) {
    const invites = use.openInvites === 1 ? "1 open invite holds a seat" : `${use.openInvites} open invites hold seats`
    return `${use.members} people are on your team and ${invites}, so it needs at least ${use.members + use.openInvites} seats. Withdraw invites first to go lower.`
  }
  return null
}

/** Serializes seat-changing writes of one team (invites, accepts) inside the caller's transaction. */
export const lockTeam = (ex: Executor, teamId: string) =>
  ex.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`team:${teamId}`}, 0))`)
