// Time: moving the clock runs every renewal, payment retry and cancellation due on the way, in order.
import type Stripe from "stripe"
import { addInterval, amountOf, item, periodEnd, productName, snapshot } from "./billing"
import type { Ctx } from "./context"
import { StripeApiError } from "./errors"
import { createInvoice, payAndReactivate, payInvoice, subscriptionOf } from "./invoices"
import { cancelNow, setStatus } from "./lifecycle"

type Sub = Stripe.Subscription
type Inv = Stripe.Invoice

/** The next thing that happens on its own after `now`, or null. */
function nextDue(ctx: Ctx, until: number): { at: number; run: () => void } | null {
  let best: { at: number; run: () => void } | null = null
  const consider = (at: number | null | undefined, run: () => void) => {
    if (at != null && at <= until && (!best || at < best.at)) best = { at, run }
  }
  for (const sub of ctx.store.all<Sub>("subscription")) {
    if (sub.status === "canceled" || sub.status === "incomplete_expired") continue
    if (sub.status === "incomplete") {
      consider(sub.created + 23 * 3600, () => cancelNow(ctx, sub)) // Stripe expires unpaid first invoices after 23 h
      continue
    }
    if (sub.cancel_at && sub.cancel_at < periodEnd(sub)) consider(sub.cancel_at, () => cancelNow(ctx, sub))
    consider(periodEnd(sub), () => renew(ctx, sub))
  }
  for (const inv of ctx.store.all<Inv>("invoice", (i) => i.status === "open" && i.next_payment_attempt != null)) {
    consider(inv.next_payment_attempt, () => retry(ctx, inv))
  }
  return best
}

function renew(ctx: Ctx, sub: Sub) {
  if (sub.cancel_at_period_end || (sub.cancel_at && sub.cancel_at <= periodEnd(sub))) return cancelNow(ctx, sub)
  const it = item(sub)
  const start = it.current_period_end
  const end = addInterval(start, it.price.recurring!.interval, it.price.recurring!.interval_count)
  const previous = { items: { ...sub.items, data: [snapshot(it)] }, status: sub.status }
  it.current_period_start = start
  it.current_period_end = end
  const wasTrial = sub.status === "trialing"
  ctx.store.put(sub)
  const inv = createInvoice(ctx, sub, "subscription_cycle", [
    { amount: amountOf(it), description: `${it.quantity} × ${productName(ctx, it.price)}`, item: it, period: { start, end } },
  ])
  const paid = payInvoice(ctx, inv)
  if (paid) {
    sub.status = "active"
  } else if (sub.status === "active" || sub.status === "trialing") {
    sub.status = "past_due"
  }
  if (wasTrial) sub.trial_end = sub.trial_end ?? start
  ctx.store.put(sub)
  ctx.emit("customer.subscription.updated", sub, previous)
}

function retry(ctx: Ctx, inv: Inv) {
  if (payAndReactivate(ctx, inv)) return
  const sub = subscriptionOf(ctx, inv)
  if (inv.next_payment_attempt === null && sub) {
    // Retries exhausted.
    if (ctx.settings.afterFinalFailure === "unpaid") setStatus(ctx, sub, "unpaid")
    else cancelNow(ctx, sub, { reason: "payment_failed" })
  }
}

/** Moves the clock to `target`, running every renewal, retry and cancellation due on the way. */
export function advanceTo(ctx: Ctx, target: number) {
  if (target < ctx.store.now()) throw new StripeApiError(400, "invalid_request_error", "Cannot move the clock backwards.")
  for (let guard = 0; guard < 10_000; guard++) {
    const due = nextDue(ctx, target)
    if (!due) break
    ctx.store.clockOffset += Math.max(0, due.at - ctx.store.now())
    due.run()
  }
  ctx.store.clockOffset += Math.max(0, target - ctx.store.now())
  ctx.store.changed()
}
