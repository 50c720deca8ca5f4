// Changing a team's seats in the app: a preview of the prorated charge (Stripe's createPreview), then
// the change billed as of the previewed moment so the charge is what was shown. Fewer seats than the
// people on the team (and open invites) is refused before Stripe is asked. No transaction is open
// during either Stripe call; the rows follow through the eager sync and the webhooks.
import "server-only"
import { limitStripeSpendByIp } from "@/lib/auth/auth-limits"
import { eq } from "drizzle-orm"
import { z } from "zod"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { teams } from "@/lib/db/schema"
import { hit, type Limit } from "@/lib/rate-limit"
import { fail, type ActionResult } from "@/lib/result"
import { changeSeats, previewSeatChange, seatChangeNow } from "@/lib/stripe"
import { perSeatPlan, TRIAL_MAX_SEATS } from "../catalog"
import { billingFailure } from "../errors"
import { syncUserNow } from "../sync/eager"
import { BillingProviderError, type SeatChangeCheck, type SeatPreview } from "../types"
import { seatShortfall, seatUse, suspendedTeamMessage, teamSubscription } from "./seats"

/** A preview is good for this long; confirming later asks for a fresh one. */
const PREVIEW_TTL_S = 15 * 60
const STALE = "That price preview has expired. Review the new price and confirm again."

type Checked = { subscriptionId: string; quantity: number }

async function check(owner: CurrentUser, rawQuantity: unknown): Promise<ActionResult<Checked>> {
  const plan = perSeatPlan()
  const min = plan?.minSeats ?? 1
  const max = plan?.maxSeats ?? 1
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(rawQuantity)
  if (!parsed.success)
    return fail("invalid_input", `Choose between ${min} and ${max} seats.`, { quantity: `Choose between ${min} and ${max} seats.` })
  const quantity = parsed.data
  const sub = await teamSubscription(owner.id)
  if (!sub) {
    const suspended = await suspendedTeamMessage(owner.id, "you can't change seats")
    return suspended ? fail("team_inactive", suspended) : fail("no_team", "Seats belong to an active Team subscription.")
  }
  if (sub.cancelAtPeriodEnd) return fail("canceling", "Your subscription is set to end. Renew it before changing seats.")
  if (sub.status === "trialing" && quantity > TRIAL_MAX_SEATS)
    return fail("trial_seat_cap", `During the free trial a team has up to ${TRIAL_MAX_SEATS} seats. Add more once the trial has ended.`, {
      quantity: `Up to ${TRIAL_MAX_SEATS} during the trial.`,
    })
  if (quantity === sub.quantity)
    return fail("unchanged", `Your team already has ${quantity} seats.`, { quantity: "Choose a different number." })
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, owner.id))
  if (team) {
    const short = seatShortfall(quantity, await seatUse(db, team.id))
    if (short) return fail("below_members", short, { quantity: short })
  }
  return { ok: true, subscriptionId: sub.stripeSubscriptionId, quantity }
}

/** Each preview costs three Stripe calls: a person clicking gets nowhere near this; a script does. */
export const SEAT_PREVIEWS: Limit = { name: "seat_preview", max: 20, windowSeconds: 60 }

export async function previewSeats(owner: CurrentUser, rawQuantity: unknown): Promise<ActionResult<{ preview: SeatPreview }>> {
  const checked = await check(owner, rawQuantity)
  if (!checked.ok) return checked
  const allowed = await hit(SEAT_PREVIEWS, owner.id)
  if (!allowed.ok) return fail("rate_limited", `Too many price previews. Try again in ${allowed.retryAfter} seconds.`)
  try {
    return { ok: true, preview: await previewSeatChange(checked.subscriptionId, checked.quantity) }
  } catch (err) {
    return billingFailure(err, "seat preview", { userId: owner.id })
  }
}

/** A confirm looks the subscription up at Stripe and then changes it: a person confirms a few times at most. */
export const SEAT_CONFIRMS: Limit = { name: "seat_confirm", max: 10, windowSeconds: 60 }

export async function confirmSeats(
  owner: CurrentUser,
  input: { quantity: unknown; itemId: unknown; prorationDate: unknown; currentQuantity: unknown; amountDue: unknown },
): Promise<ActionResult> {
  // The action's argument comes from the browser: anything, null included.
  if (!input || typeof input !== "object") return fail("invalid_input", "Preview the new seat count first, then confirm it.")
  const checked = await check(owner, input.quantity)
  if (!checked.ok) return checked
  const seen = z
    .object({
      prorationDate: z.coerce.number().int(),
      itemId: z.string().regex(/^si_\w+$/),
      currentQuantity: z.coerce.number().int(),
      amountDue: z.coerce.number().int(),
    })
    .safeParse(input)
  if (!seen.success) return fail("stale_preview", STALE)
  const shown = seen.data
  // Only a well-formed confirm counts, and it counts before the first Stripe call.
  const allowed = await hit(SEAT_CONFIRMS, owner.id)
  if (!allowed.ok) return fail("rate_limited", `Too many seat changes. Try again in ${allowed.retryAfter} seconds.`)
  const byIp = await limitStripeSpendByIp()
  if (byIp) return fail("rate_limited", `Too many seat changes. Try again in ${byIp.retryAfter} seconds.`)
  // The confirm bills as of the previewed moment, so the charge is what was shown. That moment comes
  // from the browser: it must be recent by Stripe's clock, or an owner could prorate a seat decrease from
  // the start of the period and be credited for time used. And the subscription must be as it was then:
  // after a change in another tab or the portal the same moment would bill a different amount.
  let now: SeatChangeCheck
  try {
    now = await seatChangeNow(checked.subscriptionId, checked.quantity, shown.prorationDate)
  } catch (err) {
    if (err instanceof BillingProviderError && err.kind === "invalid") return fail("stale_preview", STALE)
    return billingFailure(err, "seat preview", { userId: owner.id })
  }
  const moment = shown.prorationDate <= now.stripeNow && now.stripeNow - shown.prorationDate <= PREVIEW_TTL_S
  const same = now.itemId === shown.itemId && now.currentQuantity === shown.currentQuantity && now.amountDue === shown.amountDue
  if (!moment || !same) return fail("stale_preview", STALE)
  try {
    await changeSeats({
      subscriptionId: checked.subscriptionId,
      itemId: shown.itemId,
      fromQuantity: shown.currentQuantity,
      quantity: checked.quantity,
      prorationDate: shown.prorationDate,
    })
  } catch (err) {
    return billingFailure(err, "seat change", { userId: owner.id })
  }
  // Show the new seat count now rather than when the webhook lands.
  await syncUserNow(owner.id, { force: true })
  return { ok: true }
}
