// The usage rules in one place: whose allowance a user's usage draws on (their own, or their team's
// pool), how much it includes, the period it resets with, what happens past it (blocked on Free,
// billed as overage on Pro and Team to the Stripe customer that pays), and how prepaid credits count.
//
// Credits (issue 19, item 4). On Pro and Team a pack is a Stripe credit grant on metered prices: Stripe
// applies it to the renewal invoice's metered line, so overage is paid from credits before the card; the
// app shows the cached balance (credit_balances), in units at the plan's overage price. On Free (no metered
// price, nothing invoiced) a pack lifts the hard limit: past the allowance each unit is drawn from the
// user's packs, the one expiring first first (credit_purchases.units_used), and refused when they are
// empty. The draw happens in the recording's transaction under the packs' row locks (ledger.ts), so
// concurrent requests never overdraw. Units a Free user draws are not taken off the Stripe grant (Stripe
// has no partial debit of a grant): after an upgrade Stripe still applies the pack's full value.
import "server-only"
import { and, asc, eq, gt, lt, sql } from "drizzle-orm"
import { batched } from "@/lib/db/batch"
import { db, type Executor } from "@/lib/db/client"
import { creditBalances, creditPurchases, teamMembers, teams, userSubscriptions } from "@/lib/db/schema"
import { USAGE_METERS, type MeterKey } from "../catalog"
import { currentOf, hasAccess, hasAccessAt } from "../status"
import { ensureTeam } from "../team/ensure"

export type Allowance = {
  /** The counter charged: user:<id>, or team:<id> for a Team's pool. */
  subject: string
  plan: "free" | "pro" | "team"
  included: number
  /** true: refused past `included` (Free); false: billed per unit as overage. */
  hardLimit: boolean
  periodStart: Date
  periodEnd: Date
  /** Who Stripe bills for the usage (null on Free: nothing is reported). */
  stripeCustomerId: string | null
  /** The user whose subscription pays for the usage (the team's owner for a pool; null on Free). */
  payerUserId: string | null
  overageCents: number
  /**
   * The plan whose paid features are locked: the user's (or the team owner's) subscription is past_due
   * past the dunning grace (GRACE_POLICY, status.ts). Usage is refused until the invoice is paid.
   */
  locked?: { planId: string | null }
}

/** The calendar month (UTC) around `now`: Free's period. */
export function calendarMonth(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
  return { start, end }
}

const live = (rows: (typeof userSubscriptions.$inferSelect)[]) => {
  const sub = currentOf(rows)
  return sub && hasAccess(sub.status) && sub.currentPeriodStart && sub.currentPeriodEnd ? sub : undefined
}

/** The current subscription when it is past_due past the grace: its paid features are locked until the invoice is paid. */
const lockedOf = (rows: (typeof userSubscriptions.$inferSelect)[], now: Date) => {
  const sub = currentOf(rows)
  return sub && sub.status === "past_due" && !hasAccessAt(sub, now) ? sub : undefined
}

// One round trip on the recording path: the user's team (if any), their place in its seat order, and
// the subscriptions of both the user and that team's owner, left-joined onto the user so a user with
// neither still gets a row. Concurrent recordings share the round trip (lib/db/batch.ts): one query for
// every user whose allowance is asked while earlier ones are at Postgres.
const allowanceQuery = (userIds: string[]) =>
  db
    .select({
      uid: sql<string>`me.uid`,
      teamId: teams.id,
      owner: teams.ownerUserId,
      role: teamMembers.role,
      // Members who joined before this one (the owner not counted): entitlements.ts holders() ranks them so.
      earlier: sql<string>`(select count(*) from ${teamMembers} as earlier where earlier.team_id = ${teamMembers.teamId}
        and earlier.role = 'member' and (earlier.joined_at, earlier.user_id) < (${teamMembers.joinedAt}, ${teamMembers.userId}))`,
      sub: userSubscriptions,
    })
    .from(sql`unnest(${sql.param(userIds)}::uuid[]) as me(uid)`)
    .leftJoin(teamMembers, sql`${teamMembers.userId} = me.uid`)
    .leftJoin(teams, eq(teams.id, teamMembers.teamId))
    .leftJoin(userSubscriptions, sql`${userSubscriptions.userId} in (me.uid, ${teams.ownerUserId})`)

type AllowanceRow = Awaited<ReturnType<typeof allowanceQuery>>[number]

const allowanceRowsOf = batched<string, AllowanceRow[]>(
  async (userIds) => {
    const rows = await allowanceQuery([...new Set(userIds)])
    const byUser = new Map<string, AllowanceRow[]>()
    for (const r of rows) {
      const mine = byUser.get(r.uid)
      if (mine) mine.push(r)
      else byUser.set(r.uid, [r])
    }
    return userIds.map((id) => byUser.get(id) ?? [])
  },
  { maxInFlight: 2, maxBatch: 64 },
)

export async function allowanceFor(userId: string, meter: MeterKey, now = new Date()): Promise<Allowance> {
  const m = USAGE_METERS[meter]
  const rows = await allowanceRowsOf(userId)
  const subsOf = (id: string) => {
    const byId = new Map<string, typeof userSubscriptions.$inferSelect>()
    for (const r of rows) if (r.sub && r.sub.userId === id) byId.set(r.sub.stripeSubscriptionId, r.sub)
    return [...byId.values()]
  }
  const first = rows.find((r) => r.teamId !== null)
  const membership = first?.teamId != null && first.owner != null ? { id: first.teamId, owner: first.owner } : undefined
  // The seat rule of the entitlements (holders() in lib/billing/views/entitlements.ts): the owner holds one
  // seat, members the rest in the order they joined. A member past the seat count (seats lowered at Stripe
  // below the team's size) has no Team features, so no share of the pool either: their usage is a
  // non-member's (their own plan, or Free's allowance) until seats are added.
  const ownerSub = membership ? currentOf(subsOf(membership.owner)) : undefined
  const seated = !ownerSub || first?.role !== "member" || Number(first.earlier) < ownerSub.quantity - 1
  const team = seated ? membership : undefined
  const ownRows = subsOf(userId)
  const payerId = team?.owner ?? userId
  const payerRows = payerId === userId ? ownRows : subsOf(payerId)
  const own = live(ownRows)
  const sub = live(payerRows)
  const month = calendarMonth(now)
  const locked = lockedOf(ownRows, now) ?? (team && payerId !== userId && !own ? lockedOf(payerRows, now) : undefined)
  // Free's terms (the calendar month, a hard limit, nothing billed); past the grace end, nothing included.
  const free = (included: number, lock?: Allowance["locked"]): Allowance => ({
    subject: `user:${userId}`,
    plan: "free",
    included,
    hardLimit: true,
    periodStart: month.start,
    periodEnd: month.end,
    stripeCustomerId: null,
    payerUserId: null,
    overageCents: 0,
    ...(lock ? { locked: lock } : {}),
  })
  if (locked) return free(0, { planId: locked.planId })
  // A Team owner whose team row is not made yet (the team page makes it when first opened): made now,
  // so the pool is the team's counter from the first unit, not the owner's own one until then.
  // (Not for a member past the seat count: they are on another team, whose pool is not theirs to make.)
  const teamId = team?.id ?? (!membership && sub && sub.planId === "team" ? await ensureTeam(userId) : undefined)
  if (sub && sub.planId === "team" && teamId)
    return {
      subject: `team:${teamId}`,
      plan: "team",
      included: m.team.perSeat * sub.quantity,
      hardLimit: false,
      periodStart: sub.currentPeriodStart as Date,
      periodEnd: sub.currentPeriodEnd as Date,
      stripeCustomerId: sub.stripeCustomerId,
      payerUserId: payerId,
      overageCents: m.team.overageCents,
    }
  // Their own paid plan otherwise: Pro, or a Team subscription of theirs while they are a member of
  // another team whose owner's subscription has lapsed or whose seats they are past (their own pool, as
  // before they joined).
  if (own && (own.planId === "pro" || own.planId === "team"))
    return {
      subject: `user:${userId}`,
      plan: own.planId === "team" ? "team" : "pro",
      included: own.planId === "team" ? m.team.perSeat * own.quantity : m.pro.included,
      hardLimit: false,
      periodStart: own.currentPeriodStart as Date,
      periodEnd: own.currentPeriodEnd as Date,
      stripeCustomerId: own.stripeCustomerId,
      payerUserId: userId,
      overageCents: own.planId === "team" ? m.team.overageCents : m.pro.overageCents,
    }
  return free(m.free.included)
}

/** A Free user's pack with units left (locked by the recording that draws on it). */
export type CreditLot = { id: number; units: number; unitsUsed: number; expiresAt: Date }

/** The credit units a recording of `value` needs on Free: the part of it past the allowance. */
export function creditUnitsNeeded(included: number, usedBefore: number, value: number): number {
  return Math.max(0, usedBefore + value - included) - Math.max(0, usedBefore - included)
}

/** Draws `units` from the lots, the one expiring first first; null when they hold fewer. */
export function drawFromLots(lots: readonly CreditLot[], units: number): { id: number; units: number }[] | null {
  const ordered = [...lots].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || a.id - b.id)
  const draws: { id: number; units: number }[] = []
  let left = units
  for (const lot of ordered) {
    if (left === 0) break
    const take = Math.min(left, lot.units - lot.unitsUsed)
    if (take > 0) draws.push({ id: lot.id, units: take })
    left -= take
  }
  return left === 0 ? draws : null
}

export const lotUnitsLeft = (lots: readonly CreditLot[]) => lots.reduce((s, l) => s + l.units - l.unitsUsed, 0)

/** The user's live packs with units left for a meter; `lock` takes their row locks (inside a recording). */
export async function creditLots(ex: Executor, userId: string, meter: MeterKey, now: Date, lock = false): Promise<CreditLot[]> {
  const q = ex
    .select({
      id: creditPurchases.id,
      units: creditPurchases.units,
      unitsUsed: creditPurchases.unitsUsed,
      expiresAt: creditPurchases.expiresAt,
    })
    .from(creditPurchases)
    .where(
      and(
        eq(creditPurchases.userId, userId),
        eq(creditPurchases.meter, meter),
        gt(creditPurchases.expiresAt, now),
        lt(creditPurchases.unitsUsed, creditPurchases.units),
      ),
    )
    .orderBy(asc(creditPurchases.id))
  return lock ? q.for("update") : q
}

/** Credits as the usage meter shows them. */
export type CreditsView = {
  /** Units the credits cover: Free's packs left, or the Stripe balance at the plan's overage unit price. */
  units: number
  /** The Stripe balance on metered prices (paid plans; null on Free, whose packs are counted in units). */
  cents: number | null
  /** When the balance was last read from Stripe (null: never, or Free). */
  refreshedAt: Date | null
}

/** The credits an allowance can draw on: Free's packs from our ledger, a paid plan's cached Stripe balance. */
export async function creditsFor(a: Allowance, userId: string, meter: MeterKey, now = new Date()): Promise<CreditsView> {
  if (a.hardLimit) return { units: lotUnitsLeft(await creditLots(db, userId, meter, now)), cents: null, refreshedAt: null }
  if (!a.stripeCustomerId) return { units: 0, cents: 0, refreshedAt: null }
  const [row] = await db
    .select({ cents: creditBalances.availableCents, refreshedAt: creditBalances.refreshedAt })
    .from(creditBalances)
    .where(eq(creditBalances.stripeCustomerId, a.stripeCustomerId))
  const cents = row?.cents ?? 0
  return { units: a.overageCents > 0 ? Math.floor(cents / a.overageCents) : 0, cents, refreshedAt: row?.refreshedAt ?? null }
}

/** Takes the drawn units off the lots (inside the recording's transaction, the lots locked). */
export async function consumeLots(tx: Executor, draws: readonly { id: number; units: number }[]) {
  for (const d of draws)
    await tx
      .update(creditPurchases)
      .set({ unitsUsed: sql`${creditPurchases.unitsUsed} + ${d.units}` })
      .where(eq(creditPurchases.id, d.id))
}
