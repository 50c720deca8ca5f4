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
import { seatShortfall, seatUse, teamSubscription } from "./seats"

/** A preview is good for this long; confirming later asks for a fresh one. */
const PREVIEW_TTL_S = 15 * 60

type Checked = { subscriptionId: string; quantity: number; period: { start: Date | null; end: Date | null } }

async function check(owner: CurrentUser, rawQuantity: unknown): Promise<ActionResult<Checked>> {
  const plan = CATALOG.find((p) => p.perSeat)
  const min = plan?.minSeats ?? 1
  const max = plan?.maxSeats ?? 1
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(rawQuantity)
  if (!parsed.success)
    return fail("invalid_input", `Choose between ${min} and ${max} seats.`, { quantity: `Choose between ${min} and ${max} seats.` })
  const quantity = parsed.data
  const sub = await teamSubscription(owner.id)
  if (!sub) return fail("no_team", "Seats belong to an active Team subscription.")
  if (sub.cancelAtPeriodEnd) return fail("canceling", "Your subscription is set to end. Renew it before changing seats.")
  if (quantity === sub.quantity)
    return fail("unchanged", `Your team already has ${quantity} seats.`, { quantity: "Choose a different number." })
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.ownerUserId, owner.id))
  if (team) {
    const short = seatShortfall(quantity, await seatUse(db, team.id))
    if (short) return fail("below_members", short, { quantity: short })
  }
  return {
    ok: true,
    subscriptionId: sub.stripeSubscriptionId,
    quantity,
    period: { start: sub.currentPeriodStart, end: sub.currentPeriodEnd },
  }
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
  // "Now" as the preview saw it: inside the current period (a test clock's time; see previewSeatChange).
  const { start, end } = checked.period
  const wall = Math.floor(Date.now() / 1000)
  const now = start && end ? Math.min(Math.max(wall, start.getTime() / 1000), end.getTime() / 1000 - 1) : wall
  if (!at.success || !itemId.success || at.data > now + 60 || now - at.data > PREVIEW_TTL_S)
    return fail("stale_preview", "That price preview has expired. Review the new price and confirm again.")
  try {
    await changeSeats({ subscriptionId: checked.subscriptionId, itemId: itemId.data, quantity: checked.quantity, prorationDate: at.data })
  } catch (err) {
    return billingFailure(err, "seat change", { userId: owner.id })
  }
  // Show the new seat count now rather than when the webhook lands.
  await syncUserNow(owner.id, { force: true })
  return { ok: true }
}
