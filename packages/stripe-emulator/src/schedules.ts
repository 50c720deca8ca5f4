// Subscription schedules: a subscription's future changes as phases. The clock (clock.ts) runs a
// phase's start like a renewal: at the end of the current phase the next phase's items become the
// subscription's (at a period boundary in place, so the renewal bills the new price; mid-period as an
// update with the phase's proration_behavior). After the last phase the schedule ends per
// `end_behavior`: `release` (the subscription goes on as it is, status released) or `cancel`.
import type Stripe from "stripe"
import { addInterval, changeItem, item, legacyPlan, periodEnd, recurringOf, snapshot } from "./billing"
import type { Ctx } from "./context"
import { cancelNow } from "./lifecycle"

type Sub = Stripe.Subscription
export type Schedule = Stripe.SubscriptionSchedule
export type Phase = Stripe.SubscriptionSchedule.Phase

/** A phase as the API returns it: every field Stripe always sends, nulls where nothing was set. */
export function phaseObject(
  ctx: Ctx,
  fields: {
    items: { price: string; quantity: number }[]
    start: number
    end: number
    currency: string
    proration: Stripe.SubscriptionSchedule.Phase.ProrationBehavior
    discounts?: Stripe.SubscriptionSchedule.Phase.Discount[]
    metadata?: Record<string, string>
    /** automatic_tax[enabled] of the phase: set on the subscription when the phase starts. */
    automaticTax?: boolean
  },
): Phase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    ...(fields.automaticTax === undefined
      ? {}
      : {
          automatic_tax: {
            disabled_reason: null,
            enabled: fields.automaticTax,
            liability: fields.automaticTax ? { type: "self" } : null,
          },
        }),
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency: fields.currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: fields.discounts ?? [],
    end_date: fields.end,
    invoice_settings: null,
    items: fields.items.map((i) => ({
      billing_thresholds: null,
      discounts: [],
      metadata: {},
      plan: i.price,
      price: i.price,
      quantity: i.quantity,
      tax_rates: [],
    })),
    metadata: fields.metadata ?? {},
    on_behalf_of: null,
    proration_behavior: fields.proration,
    start_date: fields.start,
    transfer_data: null,
    trial_end: null,
  } as Phase
}

/** The schedule's subscription (while it is attached). */
export const subscriptionOfSchedule = (ctx: Ctx, s: Schedule) => ctx.store.find<Sub>(s.subscription as string | null)

/** The phase running now: the one whose start is the schedule's current_phase start. */
export function currentPhaseIndex(s: Schedule): number {
  return s.phases.findIndex((p) => p.start_date === s.current_phase?.start_date)
}

/** Detaches the schedule from its subscription, which goes on as it is (release, or end_behavior release). */
export function releaseSchedule(ctx: Ctx, s: Schedule) {
  const sub = subscriptionOfSchedule(ctx, s)
  const now = ctx.store.now()
  Object.assign(s, {
    status: "released",
    released_at: now,
    released_subscription: sub?.id ?? null,
    current_phase: null,
    subscription: null,
  })
  ctx.store.put(s)
  if (sub) {
    const previous = { schedule: sub.schedule }
    sub.schedule = null
    ctx.store.put(sub)
    ctx.emit("customer.subscription.updated", sub, previous)
  }
  ctx.emit("subscription_schedule.released", s)
}

/** Cancels the schedule and its subscription at once (POST /cancel). */
export function cancelSchedule(ctx: Ctx, s: Schedule) {
  const sub = subscriptionOfSchedule(ctx, s)
  Object.assign(s, { status: "canceled", canceled_at: ctx.store.now(), current_phase: null })
  ctx.store.put(s)
  if (sub) {
    sub.schedule = null
    cancelNow(ctx, sub)
  }
  ctx.emit("subscription_schedule.canceled", s)
}

/** When something is next due on a schedule: the end of its current phase. */
export function scheduleDueAt(s: Schedule): number | null {
  return s.status === "active" && s.current_phase ? s.current_phase.end_date : null
}

/** The current phase ended: start the next one on the subscription, or end the schedule. */
export function advanceSchedule(ctx: Ctx, s: Schedule) {
  const sub = subscriptionOfSchedule(ctx, s)
  const next = s.phases[currentPhaseIndex(s) + 1]
  if (!sub || sub.status === "canceled" || sub.status === "incomplete_expired") {
    Object.assign(s, { status: "completed", completed_at: ctx.store.now(), current_phase: null })
    ctx.store.put(s)
    return ctx.emit("subscription_schedule.completed", s)
  }
  if (!next) {
    if (s.end_behavior === "cancel") {
      Object.assign(s, { status: "completed", completed_at: ctx.store.now(), current_phase: null, subscription: null })
      ctx.store.put(s)
      sub.schedule = null
      cancelNow(ctx, sub)
      return ctx.emit("subscription_schedule.completed", s)
    }
    return releaseSchedule(ctx, s)
  }
  const previous = { current_phase: s.current_phase }
  s.current_phase = { start_date: next.start_date, end_date: next.end_date }
  ctx.store.put(s)
  applyPhase(ctx, sub, next)
  ctx.emit("subscription_schedule.updated", s, previous)
}

/**
 * Puts a phase's (one) item on the subscription. At the period's end the switch is made in place and
 * the renewal due at the same moment (clock.ts runs it next) bills the new price for a period of its
 * interval; earlier, it is a change like an update, prorated per the phase.
 */
function applyPhase(ctx: Ctx, sub: Sub, phase: Phase) {
  const it = phase.items[0]
  if (!it) return
  const price = ctx.store.get<Stripe.Price>(typeof it.price === "string" ? it.price : it.price.id, "price")
  const quantity = it.quantity ?? 1
  const current = item(sub)
  // The phase's automatic tax, before its item: the invoices the change makes are taxed (or not) by it.
  if (phase.automatic_tax && phase.automatic_tax.enabled !== sub.automatic_tax.enabled) {
    const before = sub.automatic_tax
    sub.automatic_tax = { disabled_reason: null, enabled: phase.automatic_tax.enabled, liability: phase.automatic_tax.liability }
    ctx.store.put(sub)
    ctx.emit("customer.subscription.updated", sub, { automatic_tax: before })
  }
  if (current.price.id === price.id && current.quantity === quantity) return
  if (ctx.store.now() >= periodEnd(sub)) {
    const before = snapshot(current)
    Object.assign(current, { price: snapshot(price), plan: legacyPlan(price), quantity })
    ctx.store.put(sub)
    ctx.emit("customer.subscription.updated", sub, { items: { ...sub.items, data: [before] } })
    return
  }
  changeItem(ctx, sub, {
    price,
    quantity,
    proration:
      phase.proration_behavior === "always_invoice" ? "always_invoice" : phase.proration_behavior === "none" ? "none" : "create_prorations",
  })
}

/** A phase's end when only a duration (or nothing: one interval of its price) is given. */
export function phaseEnd(start: number, price: Stripe.Price, duration?: { interval: Stripe.Price.Recurring.Interval; count: number }) {
  if (duration) return addInterval(start, duration.interval, duration.count)
  const r = recurringOf(price)
  return addInterval(start, r.interval, r.interval_count)
}
