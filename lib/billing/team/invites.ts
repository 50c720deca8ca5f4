// Invites: the owner invites an address while a seat is free (an open invite holds one); the link
// carries a secret whose SHA-256 is stored; only a user signed in with the invited address accepts.
// Seat checks and writes happen in one short transaction per team; the email goes out after it
// commits (no connection is held across the call to Auth).
import "server-only"
import { createHash, randomBytes } from "node:crypto"
import { and, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm"
import { z } from "zod"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { teamInvites, teamMembers, teams, users } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { fail, type ActionResult } from "@/lib/result"
import { sendSignInLink } from "@/lib/supabase/send-link"
import { userOfAccessToken } from "@/lib/supabase/stateless"
import { lockTeam, openInvite, seatUse, suspendedTeamMessage, teamSubscription } from "./seats"

export const INVITE_TTL_DAYS = 7
export const INVITE_PATH = "/invite"
/** Invites (re-sends included) a team may send in an hour: every one is an email from the project's shared Auth mail quota. */
export const INVITES_PER_HOUR = 10

/** The invite secret from /invite?token=…; a repeated parameter (Next gives an array) is read by its first value. */
export function inviteToken(raw: unknown): string {
  const first: unknown = Array.isArray(raw) ? raw[0] : raw
  return typeof first === "string" ? first : ""
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex")
const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }))

async function ownedTeam(ownerId: string) {
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, ownerId))
  return team ?? null
}

export async function inviteMember(owner: CurrentUser, rawEmail: unknown): Promise<ActionResult<{ email: string }>> {
  const parsed = emailSchema.safeParse(rawEmail)
  if (!parsed.success) return fail("invalid_input", "Enter a valid email address.", { email: "Enter a valid email address." })
  const email = parsed.data
  if (owner.email && email === owner.email.toLowerCase()) return fail("self", "That's you: you already hold the owner's seat.")
  const team = await ownedTeam(owner.id)
  const sub = await teamSubscription(owner.id)
  if (team && !sub) {
    const suspended = await suspendedTeamMessage(owner.id, "you can't invite anyone")
    if (suspended) return fail("team_inactive", suspended)
  }
  if (!team || !sub) return fail("no_team", "Invites need an active Team subscription.")
  const token = randomBytes(32).toString("base64url")
  const written = await db.transaction(async (tx) => {
    await lockTeam(tx, team.id)
    // Counted under the team's lock, so concurrent invites cannot pass the limit together.
    const [tenth] = await tx
      .select({ waitS: sql<number>`extract(epoch from ${teamInvites.createdAt} + interval '1 hour' - now())::float8` })
      .from(teamInvites)
      .where(and(eq(teamInvites.teamId, team.id), gt(teamInvites.createdAt, sql`now() - interval '1 hour'`)))
      .orderBy(desc(teamInvites.createdAt))
      .offset(INVITES_PER_HOUR - 1)
      .limit(1)
    if (tenth) {
      const minutes = Math.max(1, Math.ceil(tenth.waitS / 60))
      return fail(
        "invite_limit",
        `You've sent ${INVITES_PER_HOUR} invites in the last hour, the most we allow. You can send another in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`,
      )
    }
    const [member] = await tx
      .select({ id: users.id })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(and(eq(teamMembers.teamId, team.id), sql`lower(${users.email}) = ${email}`))
    if (member) return fail("already_member", `${email} is already on your team.`)
    // A second invite to the same address replaces the first (a fresh link; the seat stays held).
    const replaced = await tx
      .update(teamInvites)
      .set({ revokedAt: sql`now()` })
      .where(and(openInvite(team.id), eq(teamInvites.email, email)))
      .returning({ id: teamInvites.id })
    // Invites that expired but were never closed still occupy the (team, email) open slot.
    const closed = await tx
      .update(teamInvites)
      .set({ revokedAt: sql`now()` })
      .where(
        and(eq(teamInvites.teamId, team.id), eq(teamInvites.email, email), isNull(teamInvites.acceptedAt), isNull(teamInvites.revokedAt)),
      )
      .returning({ id: teamInvites.id })
    const use = await seatUse(tx, team.id)
    if (!replaced.length && use.members + use.openInvites >= sub.quantity)
      return fail("no_seats", `All ${sub.quantity} seats are taken. Add a seat or withdraw an invite first.`)
    const [invite] = await tx
      .insert(teamInvites)
      .values({
        teamId: team.id,
        email,
        tokenHash: hashToken(token),
        invitedBy: owner.id,
        expiresAt: sql`now() + make_interval(days => ${INVITE_TTL_DAYS})`,
      })
      .returning({ id: teamInvites.id })
    if (!invite) throw new Error("invite was not written")
    return { ok: true as const, id: invite.id, replacedIds: [...replaced, ...closed].map((r) => r.id) }
  })
  if (!written.ok) return written
  const sent = await sendSignInLink(email, `${env.appUrl}${INVITE_PATH}?token=${token}`)
  if (!sent.ok) {
    // No email, no invite: free the seat rather than leave a link nobody received. A re-send puts
    // back the invite it replaced, whose link is in the invitee's mailbox: nothing changed for them.
    await db.transaction(async (tx) => {
      await lockTeam(tx, team.id)
      await tx.delete(teamInvites).where(eq(teamInvites.id, written.id))
      if (!written.replacedIds.length) return
      // Unless another invite to the address was sent meanwhile (one open invite per address).
      const [newer] = await tx
        .select({ id: teamInvites.id })
        .from(teamInvites)
        .where(
          and(eq(teamInvites.teamId, team.id), eq(teamInvites.email, email), isNull(teamInvites.acceptedAt), isNull(teamInvites.revokedAt)),
        )
      if (!newer) await tx.update(teamInvites).set({ revokedAt: null }).where(inArray(teamInvites.id, written.replacedIds))
    })
    log.warn("invite email not sent", { teamId: team.id, error: sent.message })
    return fail(
      sent.rateLimited ? "email_rate_limited" : "email_failed",
      sent.rateLimited
        ? "Too many emails were sent to that address just now. Please wait a minute and try again."
        : "We couldn't send the invite email. Please try again.",
    )
  }
  log.info("team invite sent", { teamId: team.id })
  return { ok: true, email }
}

export async function revokeInvite(owner: CurrentUser, inviteId: string): Promise<ActionResult> {
  const team = await ownedTeam(owner.id)
  if (!team || !z.uuid().safeParse(inviteId).success) return fail("not_found", "That invite no longer exists.")
  const done = await db
    .update(teamInvites)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(teamInvites.id, inviteId), openInvite(team.id)))
    .returning({ id: teamInvites.id })
  return done.length ? { ok: true } : fail("not_found", "That invite no longer exists.")
}

export type InviteDetails = { state: "open" | "accepted" | "revoked" | "expired"; email: string; ownerEmail: string | null }

/** What the invite page shows for a link (the token is the secret, so its holder may see this much). */
export async function describeInvite(rawToken: string | string[] | undefined): Promise<InviteDetails | null> {
  const token = inviteToken(rawToken)
  if (!token) return null
  const [row] = await db
    .select({
      email: teamInvites.email,
      acceptedAt: teamInvites.acceptedAt,
      revokedAt: teamInvites.revokedAt,
      expired: sql<boolean>`${teamInvites.expiresAt} <= now()`,
      ownerEmail: users.email,
    })
    .from(teamInvites)
    .innerJoin(teams, eq(teams.id, teamInvites.teamId))
    .leftJoin(users, eq(users.id, teams.ownerUserId))
    .where(eq(teamInvites.tokenHash, hashToken(token)))
  if (!row) return null
  const state = row.acceptedAt ? "accepted" : row.revokedAt ? "revoked" : row.expired ? "expired" : "open"
  return { state, email: row.email, ownerEmail: row.ownerEmail }
}

const LINK_CLOSED = {
  accepted: "This invite has already been used, so its link no longer signs you in. Log in instead.",
  revoked: "This invite was withdrawn, so its link no longer signs you in. Ask the team owner for a new one.",
  expired: "This invite has expired, so its link no longer signs you in. Ask the team owner for a new one.",
} as const

/**
 * May the session an invite link carried (in the URL fragment, which anyone can put in a link) become
 * this browser's session? Only for an open invite, whose address the session's user has, and never
 * over someone already signed in as another user: otherwise a link built with an attacker's own tokens
 * would silently sign the victim in to the attacker's account. `replace` is false when the signed-in
 * user is already that user. Auth is asked whose the access token is; no transaction is open meanwhile.
 */
export async function checkLinkSession(
  rawToken: unknown,
  accessToken: string,
  current: CurrentUser | null,
): Promise<ActionResult<{ replace: boolean }>> {
  const token = inviteToken(rawToken)
  const invite = token ? await describeInvite(token) : null
  if (!invite) return fail("invalid_link", "This sign-in link is not valid. Ask the team owner for a new invite.")
  if (invite.state !== "open") return fail("invite_closed", LINK_CLOSED[invite.state])
  const linkUser = await userOfAccessToken(accessToken)
  if (!linkUser.ok)
    return linkUser.unavailable
      ? fail("auth_unavailable", "We couldn't check your sign-in link just now. Please reload the page to try again.")
      : fail("invalid_link", "This sign-in link has expired. Ask the team owner for a new invite, or log in.")
  if (linkUser.email?.toLowerCase() !== invite.email)
    return fail("wrong_account", `This sign-in link is not for ${invite.email}. Ask the team owner for a new invite.`)
  if (current && current.id !== linkUser.id)
    return fail(
      "signed_in",
      `You're signed in as ${current.email ?? "another account"}. Sign out first to accept an invite for ${invite.email}.`,
    )
  return { ok: true, replace: !current }
}

const ALREADY_ON_TEAM = "You're already on a team. Leave it before joining another."

/** Postgres refused a second team for one user (team_members.user_id is unique). */
function isSecondTeam(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const pg = e as { code?: unknown; constraint?: unknown }
    if (pg.code === "23505" && pg.constraint === "team_members_user_id_key") return true
  }
  return false
}

export async function acceptInvite(user: CurrentUser, rawToken: string): Promise<ActionResult> {
  const token = inviteToken(rawToken)
  if (!token) return fail("not_found", "This invite link is not valid. Ask the team owner for a new one.")
  try {
    return await acceptOnce(user, token)
  } catch (err) {
    // The same person accepting another team's invite at the same moment: each accept locks only its
    // own team, so both passed the "already on a team" check; the database let one through.
    if (isSecondTeam(err)) return fail("already_on_team", ALREADY_ON_TEAM)
    throw err
  }
}

async function acceptOnce(user: CurrentUser, token: string): Promise<ActionResult> {
  const hash = hashToken(token)
  const [invite] = await db
    .select({ id: teamInvites.id, teamId: teamInvites.teamId, ownerId: teams.ownerUserId })
    .from(teamInvites)
    .innerJoin(teams, eq(teams.id, teamInvites.teamId))
    .where(eq(teamInvites.tokenHash, hash))
  if (!invite) return fail("not_found", "This invite link is not valid. Ask the team owner for a new one.")
  // Seats come from the owner's subscription row (a database read, outside the transaction below).
  const sub = await teamSubscription(invite.ownerId)
  return db.transaction(async (tx) => {
    await lockTeam(tx, invite.teamId)
    const [row] = await tx.select().from(teamInvites).where(eq(teamInvites.id, invite.id)).for("update")
    if (!row) return fail("not_found", "This invite link is not valid. Ask the team owner for a new one.")
    const [mine] = await tx.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, user.id))
    if (row.acceptedAt) return mine?.teamId === row.teamId ? { ok: true } : fail("used", "This invite has already been used.")
    if (row.revokedAt) return fail("revoked", "This invite was withdrawn. Ask the team owner for a new one.")
    if (
      (
        await tx
          .select({ id: teamInvites.id })
          .from(teamInvites)
          .where(and(eq(teamInvites.id, row.id), openInvite(row.teamId)))
      ).length === 0
    )
      return fail("expired", "This invite has expired. Ask the team owner for a new one.")
    if (!user.email || user.email.toLowerCase() !== row.email)
      return fail("wrong_account", `This invite is for ${row.email}. Sign in with that address to accept it.`)
    if (mine) return fail("already_on_team", ALREADY_ON_TEAM)
    if (!sub) return fail("team_inactive", "This team's subscription isn't active, so no one can join right now.")
    const use = await seatUse(tx, row.teamId)
    // This invite already holds one of the seats counted as open invites.
    if (use.members >= sub.quantity) return fail("no_seats", "This team has no free seat right now. Ask the owner to add one.")
    await tx.insert(teamMembers).values({ teamId: row.teamId, userId: user.id, role: "member" })
    await tx
      .update(teamInvites)
      .set({ acceptedAt: sql`now()`, acceptedBy: user.id })
      .where(eq(teamInvites.id, row.id))
    log.info("team invite accepted", { teamId: row.teamId, userId: user.id })
    return { ok: true }
  })
}
