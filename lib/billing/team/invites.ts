// Invites: the owner invites an address while a seat is free (an open invite holds one); the link
// carries a secret whose SHA-256 is stored; only a user signed in with the invited address accepts.
// Seat checks and writes happen in one short transaction per team, which also queues the invite
// email in the email outbox (sent by the drain/cron with the billing emails, retried on failure):
// the app's own email names the inviter and the team (issue 23, item 10). The link lands on /invite,
// where pressing Join signs a signed-out invitee in as the invited address (signInWithInvite).
import "server-only"
import { createHash, randomBytes } from "node:crypto"
import { and, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm"
import { z } from "zod"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db, type Executor } from "@/lib/db/client"
import { emailOutbox, teamInvites, teamMembers, teams, users } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { fail, type ActionResult } from "@/lib/result"
import { lockTeam, openInvite, seatUse, suspendedTeamMessage, teamSubscription } from "./seats"

export const INVITE_TTL_DAYS = 7
export const INVITE_PATH = "/invite"
/** Invites (re-sends included) a team may send in an hour: every one is an email from the app's sender. */
export const INVITES_PER_HOUR = 10

/** The invite secret from /invite?token=…; a repeated parameter (Next gives an array) is read by its first value. */
export function inviteToken(raw: unknown): string {
  const first: unknown = Array.isArray(raw) ? raw[0] : raw
  return typeof first === "string" ? first : ""
}

/** The team as invite emails and the invite page name it: teams have no name of their own, so the owner's. */
export const teamNameOf = (ownerEmail: string | null) => (ownerEmail ? `${ownerEmail}'s team` : "a team")

/** The outbox key of an invite's email (email_outbox.stripe_event_id holds what caused an email). */
const inviteEmailKey = (inviteId: string) => `team_invite:${inviteId}`

/**
 * Queues the invite's email in the transaction that writes the invite, and drops the still-unsent
 * emails of the invites it replaced (their links no longer work: one email, one live link).
 */
async function queueInviteEmail(
  tx: Executor,
  invite: { id: string; email: string; token: string; expiresAt: Date },
  owner: CurrentUser,
  replacedIds: string[],
) {
  if (replacedIds.length)
    await tx
      .update(emailOutbox)
      .set({ status: "skipped", sentAt: sql`now()`, lastError: "replaced by a newer invite" })
      .where(and(inArray(emailOutbox.stripeEventId, replacedIds.map(inviteEmailKey)), eq(emailOutbox.status, "pending")))
  const inviterEmail = owner.email ?? "A subkit user"
  await tx.insert(emailOutbox).values({
    stripeEventId: inviteEmailKey(invite.id),
    template: "team_invite",
    userId: owner.id,
    toEmail: invite.email,
    data: {
      inviterEmail,
      teamName: teamNameOf(owner.email),
      inviteeEmail: invite.email,
      acceptUrl: `${env.appUrl}${INVITE_PATH}?token=${invite.token}`,
      expiresAt: invite.expiresAt.toISOString(),
    },
  })
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
      .returning({ id: teamInvites.id, expiresAt: teamInvites.expiresAt })
    if (!invite) throw new Error("invite was not written")
    await queueInviteEmail(
      tx,
      { ...invite, email, token },
      owner,
      [...replaced, ...closed].map((r) => r.id),
    )
    return { ok: true as const }
  })
  if (!written.ok) return written
  log.info("team invite queued", { teamId: team.id })
  return { ok: true, email }
}

export async function revokeInvite(owner: CurrentUser, inviteId: string): Promise<ActionResult> {
  const team = await ownedTeam(owner.id)
  if (!team || !z.uuid().safeParse(inviteId).success) return fail("not_found", "That invite no longer exists.")
  const done = await db.transaction(async (tx) => {
    const rows = await tx
      .update(teamInvites)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(teamInvites.id, inviteId), openInvite(team.id)))
      .returning({ id: teamInvites.id })
    // An email not sent yet is not sent at all: its link would only say the invite was withdrawn.
    if (rows.length)
      await tx
        .update(emailOutbox)
        .set({ status: "skipped", sentAt: sql`now()`, lastError: "invite withdrawn" })
        .where(and(eq(emailOutbox.stripeEventId, inviteEmailKey(inviteId)), eq(emailOutbox.status, "pending")))
    return rows
  })
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
 * May Join on /invite sign this browser in as the invite's address? Only for an open invite (the link
 * came to that address: holding its secret proves the mailbox, as a magic link does), and never over
 * someone already signed in as another user: an owner could mail anyone an invite for an address of
 * their own, so the page says which account the link signs in as and signs in only on the explicit Join
 * (a POST). `signIn` is false when the signed-in user already has the invite's address.
 */
export async function inviteSignIn(
  rawToken: unknown,
  current: CurrentUser | null,
): Promise<ActionResult<{ email: string; signIn: boolean }>> {
  const token = inviteToken(rawToken)
  const invite = token ? await describeInvite(token) : null
  if (!invite) return fail("invalid_link", "This invite link is not valid. Ask the team owner for a new invite.")
  if (invite.state !== "open") return fail("invite_closed", LINK_CLOSED[invite.state])
  if (current && current.email?.toLowerCase() !== invite.email)
    return fail(
      "signed_in",
      `You're signed in as ${current.email ?? "another account"}. Sign out first to accept an invite for ${invite.email}.`,
    )
  return { ok: true, email: invite.email, signIn: !current }
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
