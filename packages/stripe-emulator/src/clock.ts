// Time: moving the clock runs every renewal, payment retry and cancellation due on the way, in order.
import type Stripe from "stripe"
import { amountOf, isMetered, item, periodEnd, productName, snapshot, takePending, usageLines } from "./billing"
import { DAY, type Ctx } from "./context"
import { liveDiscounts, removeDiscount } from "./discounts"
import { StripeApiError } from "./errors"
import { createInvoice, payAndReactivate, payInvoice, subscriptionOf } from "./invoices"
import { cancelNow, expireSession, setStatus } from "./lifecycle"
import { advanceSchedule, scheduleDueAt, type Schedule } from "./schedules"
import { addInterval } from "./periods"

type Sub = Stripe.Subscription
type Inv = Stripe.Invoice

/** The next thing that happens on its own after `now`, or null. */
/** The test clock a customer (and so its subscriptions and invoices) follows; null: the emulator's own. */
export function clockOf(ctx: Ctx, customerId: unknown): string | null {
  const c = ctx.store.find<Stripe.Customer>(typeof customerId === "string" ? customerId : null)
  return (c?.test_clock as string | null | undefined) ?? null
}

function nextDue(ctx: Ctx, until: number, clock: string | null): { at: number; run: () => void } | null {
  let best: { at: number; run: () => void } | null = null
  const consider: Consider = (at, run) => {
    if (at != null && at <= until && (!best || at < best.at)) best = { at, run }
  }
  // A schedule's next phase starts at the end of the current one: before the renewal due at the same
  // moment, so the renewal bills the new phase's price.
  for (const s of ctx.store.all<Schedule>("subscription_schedule", (x) => clockOf(ctx, x.customer) === clock))
    consider(scheduleDueAt(s), () => advanceSchedule(ctx, s))
  for (const sub of ctx.store.all<Sub>("subscription", (x) => clockOf(ctx, x.customer) === clock)) subscriptionDue(ctx, sub, consider)
  // Checkout runs at the emulator's own time (never a test clock's): its sessions expire with that clock.
  if (clock === null)
    for (const s of ctx.store.all<Stripe.Checkout.Session>("checkout.session", (x) => x.status === "open"))
      consider(s.expires_at, () => expireSession(ctx, s))
  for (const inv of ctx.store.all<Inv>(
    "invoice",
    (i) => i.status === "open" && i.next_payment_attempt != null && clockOf(ctx, i.customer) === clock,
  )) {
    consider(inv.next_payment_attempt, () => retry(ctx, inv))
  }
  return best
}

type Consider = (at: number | null | undefined, run: () => void) => void

/** What falls due for one subscription on its own: an expiry, cancel_at, a discount's end, the trial warning, the renewal. */
function subscriptionDue(ctx: Ctx, sub: Sub, consider: Consider) {
  // A paused subscription (a trial that ended without a card) waits for /resume; nothing is due.
  if (sub.status === "canceled" || sub.status === "incomplete_expired" || sub.status === "paused") return
  if (sub.status === "incomplete") {
    consider(sub.created + 23 * 3600, () => cancelNow(ctx, sub)) // Stripe expires unpaid first invoices after 23 h
    return
  }
  if (sub.cancel_at && sub.cancel_at < periodEnd(sub)) consider(sub.cancel_at, () => cancelNow(ctx, sub))
  // A repeating coupon's discount ends at `end`; considered before the renewal due at the same second.
  for (const d of liveDiscounts(ctx, sub, 0)) if (d.end != null) consider(d.end, () => removeDiscount(ctx, sub, d))
  const warnAt = trialWillEndAt(sub)
  if (warnAt !== null) consider(warnAt, () => warnTrialEnd(ctx, sub))
  consider(periodEnd(sub), () => renew(ctx, sub))
}

/**
 * Runs what falls due for ONE subscription up to `target`, each at its own moment (the store's time is
 * frozen there meanwhile): its renewals, the trial's end, cancel_at, a discount's end, and the payment
 * retries of its latest invoice (a failed renewal retried on the schedule, then the final failure's
 * outcome). The bulk import gives a subscription created in the past its history this way, one
 * subscription at a time, instead of advancing the whole account's clock. Nothing else moves: the
 * emulator's clock stays where it is, and no other object is looked at.
 */
export function advanceSubscription(ctx: Ctx, sub: Sub, target: number) {
  const store = ctx.store
  const frozenBefore = store.frozenAt
  try {
    for (let guard = 0; guard < 10_000; guard++) {
      let best: { at: number; run: () => void } | null = null
      const consider: Consider = (at, run) => {
        if (at != null && at <= target && (!best || at < best.at)) best = { at, run }
      }
      subscriptionDue(ctx, sub, consider)
      const inv = store.find<Inv>(sub.latest_invoice as string | null)
      if (inv && inv.status === "open" && inv.next_payment_attempt != null) consider(inv.next_payment_attempt, () => retry(ctx, inv))
      const due = best as { at: number; run: () => void } | null
      if (!due) break
      store.frozenAt = due.at
      due.run()
    }
  } finally {
    store.frozenAt = frozenBefore
  }
}

type Warned = Sub & { _trialWillEndSent?: true }

/** Stripe sends customer.subscription.trial_will_end three days before a trial ends (once). */
function trialWillEndAt(sub: Warned): number | null {
  if (sub.status !== "trialing" || !sub.trial_end || !sub.trial_start || sub._trialWillEndSent) return null
  return Math.max(sub.trial_end - 3 * DAY, sub.trial_start)
}

function warnTrialEnd(ctx: Ctx, sub: Warned) {
  sub._trialWillEndSent = true
  ctx.store.put(sub)
  ctx.emit("customer.subscription.trial_will_end", sub)
}

function hasPaymentMethod(ctx: Ctx, sub: Sub): boolean {
  if (sub.default_payment_method) return true
  const customer = ctx.store.find<Stripe.Customer>(typeof sub.customer === "string" ? sub.customer : sub.customer.id)
  return Boolean(customer?.invoice_settings?.default_payment_method)
}

/**
 * `trial_end: "now"` on an update: the trial ends at once, as at its natural end, with the billing cycle
 * starting now (Stripe: "the special value now … end the customer's trial immediately"): the subscription
 * turns active, and its first invoice is made and charged.
 */
export function endTrialNow(ctx: Ctx, sub: Sub) {
  const now = ctx.store.now()
  const it = item(sub)
  it.current_period_end = now
  sub.trial_end = now
  sub.billing_cycle_anchor = now
  // An update ends it, so its invoice is the update's (billing_reason subscription_update), not a cycle's.
  renew(ctx, sub, "subscription_update")
}

function renew(ctx: Ctx, sub: Sub, reason: "subscription_cycle" | "subscription_update" = "subscription_cycle") {
  if (sub.cancel_at_period_end || (sub.cancel_at && sub.cancel_at <= periodEnd(sub))) return cancelNow(ctx, sub)
  // A trial that ends without a card follows trial_settings: cancel or pause instead of invoicing.
  const missing = sub.trial_settings?.end_behavior.missing_payment_method
  if (sub.status === "trialing" && !hasPaymentMethod(ctx, sub) && missing === "cancel") return cancelNow(ctx, sub)
  if (sub.status === "trialing" && !hasPaymentMethod(ctx, sub) && missing === "pause") return setStatus(ctx, sub, "paused")
  const it = item(sub)
  const start = it.current_period_end
  const recurring = it.price.recurring
  if (!recurring) throw new Error(`subscription ${sub.id} has a one-time price`)
  const end = addInterval(start, recurring.interval, recurring.interval_count)
  // Stripe's order at a renewal: the subscription moves to its new period (customer.subscription.updated),
  // then the cycle invoice is created, finalized and paid (invoice.created, .finalized, .paid,
  // .payment_succeeded) or fails (invoice.payment_failed, then the subscription turns past_due).
  const previous: Record<string, unknown> = { items: { ...sub.items, data: [snapshot(it)] } }
  const wasTrial = sub.status === "trialing"
  const usagePeriod = { start: it.current_period_start, end: start }
  // Every item moves to the new period together (a metered item shares the licensed item's cycle).
  for (const x of sub.items.data) {
    x.current_period_start = start
    x.current_period_end = end
  }
  if (wasTrial) {
    previous.status = sub.status
    sub.status = "active"
  }
  ctx.store.put(sub)
  ctx.emit("customer.subscription.updated", sub, previous)
  // Licensed items are billed in advance for the new period, metered ones in arrears for the one that ended.
  const inv = createInvoice(ctx, sub, reason, [
    { amount: amountOf(it), description: `${it.quantity} × ${productName(ctx, it.price)}`, item: it, period: { start, end } },
    ...sub.items.data.filter(isMetered).flatMap((m) => usageLines(ctx, sub, m, usagePeriod.start, usagePeriod.end)),
    // Prorations left pending by create_prorations changes during the period that ended.
    ...takePending(sub),
  ])
  const paid = payInvoice(ctx, inv)
  if (!paid && sub.status === "active") setStatus(ctx, sub, "past_due")
}

function retry(ctx: Ctx, inv: Inv) {
  if (payAndReactivate(ctx, inv)) return
  const sub = subscriptionOf(ctx, inv)
  if (inv.next_payment_attempt === null && sub) {
    // Retries exhausted.
    if (ctx.settings.afterFinalFailure === "unpaid") setStatus(ctx, sub, "unpaid")
    else if (ctx.settings.afterFinalFailure === "past_due") return
    else cancelNow(ctx, sub, { reason: "payment_failed" })
  }
}

/**
 * Moves a clock to `target`, running every renewal, retry and cancellation due on the way, in time
 * order, for the objects that follow it: a test clock's customers, or (clock null) every object on no
 * test clock, whose time is the emulator's own (wall clock + offset).
 */
export function advanceTo(ctx: Ctx, target: number, clock: Stripe.TestHelpers.TestClock | null = null) {
  const store = ctx.store
  const now = () => (clock ? clock.frozen_time : store.now())
  if (target < now()) throw new StripeApiError(400, "invalid_request_error", "Cannot move the clock backwards.", { param: "frozen_time" })
  const moveTo = (at: number) => {
    if (at <= now()) return
    if (clock) clock.frozen_time = at
    else store.clockOffset += at - store.now()
  }
  try {
    for (let guard = 0; guard < 100_000; guard++) {
      const due = nextDue(ctx, target, clock?.id ?? null)
      if (!due) break
      moveTo(due.at)
      if (clock) store.frozenAt = clock.frozen_time
      due.run()
    }
  } finally {
    store.frozenAt = null
  }
  moveTo(target)
  store.changed()
}
