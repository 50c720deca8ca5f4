// Subscription status changes and their events (customer.subscription.updated or .deleted).
import type Stripe from "stripe"
import type { Ctx } from "./context"

type Sub = Stripe.Subscription

export function setStatus(ctx: Ctx, sub: Sub, status: Stripe.Subscription.Status, extra: Partial<Sub> = {}) {
  const previous: Record<string, unknown> = { status: sub.status }
  for (const k of Object.keys(extra)) previous[k] = (sub as unknown as Record<string, unknown>)[k]
  Object.assign(sub, { status, ...extra })
  ctx.store.put(sub)
  ctx.emit(
    status === "canceled" || status === "incomplete_expired" ? "customer.subscription.deleted" : "customer.subscription.updated",
    sub,
    previous,
  )
  // "Occurs whenever a customer's subscription is paused. Only applies when subscriptions enter status=paused."
  if (status === "paused" && previous.status !== "paused") ctx.emit("customer.subscription.paused", sub)
}

export function cancelNow(ctx: Ctx, sub: Sub, details?: Partial<Stripe.Subscription.CancellationDetails>) {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") return
  const now = ctx.store.now()
  const status = sub.status === "incomplete" ? "incomplete_expired" : "canceled"
  setStatus(ctx, sub, status, {
    canceled_at: sub.canceled_at ?? now,
    ended_at: now,
    cancel_at_period_end: sub.cancel_at_period_end,
    cancellation_details: {
      comment: null,
      feedback: null,
      feedback_option: null,
      reason: "cancellation_requested",
      ...sub.cancellation_details,
      ...details,
    },
  })
}

/** An open Checkout Session stops being payable: on /expire, or when its expires_at passes (Stripe's 24 h default). */
export function expireSession(ctx: Ctx, s: Stripe.Checkout.Session) {
  Object.assign(s, { status: "expired", url: null })
  ctx.store.put(s)
  ctx.emit("checkout.session.expired", s)
}
