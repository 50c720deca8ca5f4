// Plan changes in the app: Pro ↔ Team and monthly ↔ yearly, previewed (Stripe's createPreview) before
// the customer confirms. An upgrade (a bigger plan, or monthly → yearly) is billed now as of the
// previewed moment, so the charge is what was shown; a downgrade (Team → Pro, yearly → monthly) waits
// for the period's end through a subscription schedule, shown as "Changes to X on DATE" and cancellable.
// Stripe calls happen here, on the action's path, because the customer waits for the answer (as the
// seat change does); each is rate limited per user (and per IP on confirm) before Stripe is asked.
import "server-only"
import { z } from "zod"
import { limitStripeSpendByIp } from "@/lib/auth/auth-limits"
import type { CurrentUser } from "@/lib/auth/current-user"
import { hit, type Limit } from "@/lib/rate-limit"
import { fail, type ActionResult } from "@/lib/result"
import { applyPlanChange, planChangeNow, previewPlanChange, releaseSchedule, schedulePlanChange } from "@/lib/stripe"
import { planById, type CatalogPlan, type Interval } from "../catalog"
import { billingFailure, TAX_ADDRESS_REQUIRED } from "../errors"
import { syncUserNow } from "../sync/eager"
import { BillingProviderError, type PlanChangeCheck, type PlanChangePreview } from "../types"
import { formatDate } from "../views/describe"
import { getCurrentSubscription, listPlans } from "../views/queries"

/** A preview is good for this long; confirming later asks for a fresh one. */
const PREVIEW_TTL_S = 15 * 60
const STALE = "That price preview has expired. Review the new price and confirm again."

export const PLAN_PREVIEWS: Limit = { name: "plan_preview", max: 20, windowSeconds: 60 }
export const PLAN_CONFIRMS: Limit = { name: "plan_confirm", max: 10, windowSeconds: 60 }

const target = z.object({ plan: z.enum(["pro", "team"]), interval: z.enum(["month", "year"]) })
export type PlanTarget = z.infer<typeof target>

const RANK: Record<Interval, number> = { month: 0, year: 1 }

/**
 * Billed now when nothing gets smaller: a plan at least as big (by catalog order) and an interval at
 * least as long. Anything else (Team → Pro, yearly → monthly, or both) waits for the period's end, so
 * the customer keeps what they paid for until then.
 */
export function changeKind(from: { plan: CatalogPlan; interval: Interval }, to: { plan: CatalogPlan; interval: Interval }) {
  return to.plan.sortOrder >= from.plan.sortOrder && RANK[to.interval] >= RANK[from.interval]
    ? ("now" as const)
    : ("at_period_end" as const)
}

type Checked = {
  subscriptionId: string
  kind: "now" | "at_period_end"
  priceId: string
  quantity: number
  interval: Interval
  plan: CatalogPlan
}

async function check(user: CurrentUser, raw: unknown): Promise<ActionResult<Checked>> {
  const parsed = target.safeParse(raw)
  if (!parsed.success) return fail("invalid_input", "Choose a plan and a billing interval.")
  const sub = await getCurrentSubscription(user.id)
  if (!sub || (sub.status !== "active" && sub.status !== "trialing"))
    return fail(
      sub?.status === "past_due" || sub?.status === "unpaid" ? "payment_problem" : "no_subscription",
      sub?.status === "past_due" || sub?.status === "unpaid"
        ? "Update your payment method first: your last payment did not go through."
        : "You don't have an active subscription to change.",
    )
  if (sub.cancelAtPeriodEnd) return fail("canceling", "Your subscription is set to end. Renew it before changing plans.")
  const fromPlan = sub.planId ? planById(sub.planId) : undefined
  const toPlan = planById(parsed.data.plan)
  const fromInterval = sub.interval === "year" ? "year" : sub.interval === "month" ? "month" : null
  if (!fromPlan || !toPlan || !fromInterval) return fail("unknown_plan", "Your current plan can't be changed here. Use the billing portal.")
  if (sub.stripeScheduleId && sub.scheduledChangeAt)
    return fail(
      "change_scheduled",
      `A change is already scheduled for ${formatDate(sub.scheduledChangeAt)}. Cancel it first to choose another.`,
    )
  if (fromPlan.id === toPlan.id && fromInterval === parsed.data.interval) return fail("unchanged", `You're already on ${toPlan.name}.`)
  const row = (await listPlans()).find((p) => p.id === toPlan.id)
  const priceId = parsed.data.interval === "year" ? row?.stripeYearlyPriceId : row?.stripeMonthlyPriceId
  if (!priceId) return fail("unknown_plan", "That plan is not available right now.")
  // Seats: a team keeps its seats; Pro → Team starts at the Team minimum (changed later on the team page).
  const quantity = toPlan.perSeat ? (fromPlan.perSeat ? sub.quantity : toPlan.minSeats) : 1
  const kind = changeKind({ plan: fromPlan, interval: fromInterval }, { plan: toPlan, interval: parsed.data.interval })
  return { ok: true, subscriptionId: sub.stripeSubscriptionId, kind, priceId, quantity, interval: parsed.data.interval, plan: toPlan }
}

export async function previewPlan(user: CurrentUser, raw: unknown): Promise<ActionResult<{ preview: PlanChangePreview }>> {
  const checked = await check(user, raw)
  if (!checked.ok) return checked
  const allowed = await hit(PLAN_PREVIEWS, user.id)
  if (!allowed.ok) return fail("rate_limited", `Too many price previews. Try again in ${allowed.retryAfter} seconds.`)
  try {
    return { ok: true, preview: await previewPlanChange(checked) }
  } catch (err) {
    return billingFailure(err, "plan change preview", { userId: user.id })
  }
}

const seenSchema = z.object({
  itemId: z.string().regex(/^si_\w+$/),
  fromPriceId: z.string().regex(/^price_\w+$/),
  fromQuantity: z.coerce.number().int(),
  prorationDate: z.coerce.number().int(),
  amountDue: z.coerce.number().int(),
})

/** The preview the customer confirms: the target, and what they saw (the item, from what, as of when, for how much). */
export async function confirmPlan(user: CurrentUser, input: unknown): Promise<ActionResult<{ kind: "now" | "at_period_end" }>> {
  if (!input || typeof input !== "object") return fail("invalid_input", "Preview the change first, then confirm it.")
  const checked = await check(user, input)
  if (!checked.ok) return checked
  const seen = seenSchema.safeParse(input)
  if (!seen.success) return fail("stale_preview", STALE)
  const shown = seen.data
  const allowed = await hit(PLAN_CONFIRMS, user.id)
  if (!allowed.ok) return fail("rate_limited", `Too many plan changes. Try again in ${allowed.retryAfter} seconds.`)
  const byIp = await limitStripeSpendByIp()
  if (byIp) return fail("rate_limited", `Too many plan changes. Try again in ${byIp.retryAfter} seconds.`)
  try {
    if (checked.kind === "at_period_end") {
      await schedulePlanChange(checked)
    } else {
      // As with seats: the moment comes from the browser, so it must be recent by Stripe's clock, and the
      // subscription as it was then (another tab or the portal may have changed it).
      let now: PlanChangeCheck
      try {
        now = await planChangeNow(checked, shown.prorationDate)
      } catch (err) {
        if (err instanceof BillingProviderError && err.kind === "invalid") return fail("stale_preview", STALE)
        throw err
      }
      const moment = shown.prorationDate <= now.stripeNow && now.stripeNow - shown.prorationDate <= PREVIEW_TTL_S
      const same =
        now.itemId === shown.itemId &&
        now.priceId === shown.fromPriceId &&
        now.quantity === shown.fromQuantity &&
        now.amountDue === shown.amountDue
      if (!moment || !same) return fail("stale_preview", STALE)
      if (now.taxNeedsAddress) return fail("tax_address_required", TAX_ADDRESS_REQUIRED)
      await applyPlanChange({ ...checked, itemId: shown.itemId, prorationDate: shown.prorationDate, fromPriceId: shown.fromPriceId })
    }
  } catch (err) {
    return billingFailure(err, "plan change", { userId: user.id })
  }
  await syncUserNow(user.id, { force: true })
  return { ok: true, kind: checked.kind }
}

/** Cancels the change scheduled for the period's end (the schedule is released; the plan stays as it is). */
export async function cancelScheduledPlanChange(user: CurrentUser): Promise<ActionResult> {
  const sub = await getCurrentSubscription(user.id)
  if (!sub?.stripeScheduleId) return fail("nothing_scheduled", "No plan change is scheduled.")
  const allowed = await hit(PLAN_CONFIRMS, user.id)
  if (!allowed.ok) return fail("rate_limited", `Too many plan changes. Try again in ${allowed.retryAfter} seconds.`)
  try {
    const done = await releaseSchedule(sub.stripeSubscriptionId, sub.stripeScheduleId)
    if (done === "not_ours") {
      await syncUserNow(user.id, { force: true })
      return fail("nothing_scheduled", "No plan change is scheduled.")
    }
  } catch (err) {
    return billingFailure(err, "cancel scheduled plan change", { userId: user.id })
  }
  await syncUserNow(user.id, { force: true })
  return { ok: true }
}
