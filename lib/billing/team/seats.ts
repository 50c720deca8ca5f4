// How many seats a team has and how many are taken: the owner's live per-seat subscription pays for
// them (its quantity); the owner, each member and each open invite hold one.
import "server-only"
import { and, count, eq, gt, isNull, sql } from "drizzle-orm"
import type { Executor } from "@/lib/db/client"
import { teamInvites, teamMembers } from "@/lib/db/schema"
import { getCurrentSubscription, type SubscriptionView } from "../queries"
import { isLive } from "../status"

/** The owner's subscription that pays for the team's seats (a live per-seat plan), or null. */
export async function teamSubscription(ownerId: string): Promise<SubscriptionView | null> {
  const sub = await getCurrentSubscription(ownerId)
  return sub?.plan?.perSeat && isLive(sub.status) ? sub : null
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
