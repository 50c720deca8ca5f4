// The usage rules in one place: whose allowance a user's usage draws on (their own, or their team's
// pool), how much it includes, the period it resets with, and what happens past it (blocked on Free,
// billed as overage on Pro and Team to the Stripe customer that pays).
import "server-only"
import { eq } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { teamMembers, teams, userSubscriptions } from "@/lib/db/schema"
import { USAGE_METERS, type MeterKey } from "../catalog"
import { currentOf, hasAccess } from "../status"

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

const subscriptionsOf = (userId: string) => db.select().from(userSubscriptions).where(eq(userSubscriptions.userId, userId))

export async function allowanceFor(userId: string, meter: MeterKey, now = new Date()): Promise<Allowance> {
  const m = USAGE_METERS[meter]
  // The team and the user's own subscriptions at once (one round trip on the recording path); the
  // owner's only when the user is a member of someone else's team.
  const [[team], ownRows] = await Promise.all([
    db
      .select({ id: teams.id, owner: teams.ownerUserId })
      .from(teamMembers)
      .innerJoin(teams, eq(teams.id, teamMembers.teamId))
      .where(eq(teamMembers.userId, userId)),
    subscriptionsOf(userId),
  ])
  const payerId = team?.owner ?? userId
  const own = live(ownRows)
  const sub = payerId === userId ? own : live(await subscriptionsOf(payerId))
  if (sub && sub.planId === "team" && team)
    return {
      subject: `team:${team.id}`,
      plan: "team",
      included: m.team.perSeat * sub.quantity,
      hardLimit: false,
      periodStart: sub.currentPeriodStart as Date,
      periodEnd: sub.currentPeriodEnd as Date,
      stripeCustomerId: sub.stripeCustomerId,
      payerUserId: payerId,
      overageCents: m.team.overageCents,
    }
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
  const month = calendarMonth(now)
  return {
    subject: `user:${userId}`,
    plan: "free",
    included: m.free.included,
    hardLimit: true,
    periodStart: month.start,
    periodEnd: month.end,
    stripeCustomerId: null,
    payerUserId: null,
    overageCents: 0,
  }
}
