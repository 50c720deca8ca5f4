// Changing a team's seats in the app: a preview of the prorated charge (Stripe's createPreview), then
// the change billed as of the previewed moment so the charge is what was shown. Fewer seats than the
// people on the team (and open invites) is refused before Stripe is asked. No transaction is open
// during either Stripe call; the rows follow through the eager sync and the webhooks.
import "server-only"
import { eq } from "drizzle-orm"
import { z } from "zod"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { teams } from "@/lib/db/schema"
import { fail, type ActionResult } from "@/lib/result"
import { changeSeats, previewSeatChange } from "@/lib/stripe/seats"
import { CATALOG } from "../catalog"
import { billingFailure } from "../errors"
import { syncUserNow } from "../sync-now"
import type { SeatPreview } from "../types"
import { seatShortfall, seatUse, suspendedTeamMessage, teamSubscription } from "./seats"

/** A preview is good for this long; confirming later asks for a fresh one. */
const PREVIEW_TTL_S = 15 * 60
const STALE = "That price preview has expired. Review the new price and confirm again."

type Checked = { subscriptionId: string; quantity: number }

async function check(owner: CurrentUser, rawQuantity: unknown): Promise<ActionResult<Checked>> {
  const plan = CATALOG.find((p) => p.perSeat)
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
  if (quantity === sub.quantity)
    return fail("unchanged", `Your team already has ${quantity} seats.`, { quantity: "Choose a different number." })
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, owner.id))
  if (team) {
    const short = seatShortfall(quantity, await seatUse(db, team.id))
    if (short) return fail("below_members", short, { quantity: short })
  }
  return { ok: true, subscriptionId: sub.stripeSubscriptionId, quantity }
}

export async function previewSeats(owner: CurrentUser, rawQuantity: unknown): Promise<ActionResult<{ preview: SeatPreview }>> {
  const checked = await check(owner, rawQuantity)
  if (!checked.ok) return checked
  try {
    return { ok: true, preview: await previewSeatChange(checked.subscriptionId, checked.quantity) }
  } catch (err) {
    return billingFailure(err, "seat preview", { userId: owner.id })
  }
}

export async function confirmSeats(
  owner: CurrentUser,
  input: { quantity: unknown; itemId: unknown; prorationDate: unknown },
): Promise<ActionResult> {
  const checked = await check(owner, input.quantity)
  if (!checked.ok) return checked
  const at = z.coerce.number().int().safeParse(input.prorationDate)
  const itemId = z
    .string()
    .regex(/^si_\w+$/)
    .safeParse(input.itemId)
  if (!at.success || !itemId.success) return fail("stale_preview", STALE)
  // The confirm bills as of the previewed moment, so the charge is what was shown. That moment comes
  // from the browser: it must be recent by Stripe's clock (a fresh preview says what "now" is there),
  // or an owner could prorate a seat decrease from the start of the period and be credited for time used.
  let now: SeatPreview
  try {
    now = await previewSeatChange(checked.subscriptionId, checked.quantity, { renewal: false })
  } catch (err) {
    return billingFailure(err, "seat preview", { userId: owner.id })
  }
  if (now.itemId !== itemId.data || at.data > now.prorationDate || now.prorationDate - at.data > PREVIEW_TTL_S)
    return fail("stale_preview", STALE)
  try {
    await changeSeats({ subscriptionId: checked.subscriptionId, itemId: itemId.data, quantity: checked.quantity, prorationDate: at.data })
  } catch (err) {
    return billingFailure(err, "seat change", { userId: owner.id })
  }
  // Show the new seat count now rather than when the webhook lands.
  await syncUserNow(owner.id, { force: true })
  return { ok: true }
}
