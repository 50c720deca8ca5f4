// POST /v1/invoices/create_preview for a change to an existing subscription's item (the seat change the
// app previews before confirming): the invoice Stripe would create, computed by the same proration as
// the update itself and never stored. proration_behavior always_invoice previews the prorations billed
// now; create_prorations the next renewal with them pending; none the next renewal alone.
import type Stripe from "stripe"
import { addInterval, amountOf, isMetered, item, planItemChange, productName, recurringOf, usageLines } from "../billing"
import type { Ctx } from "../context"
import { invalid, StripeApiError } from "../errors"
import { draftInvoice, type Line } from "../invoices"
import { allow, obj, req, str, type Params } from "../params"
import { currentPhaseIndex, subscriptionOfSchedule, type Schedule } from "../schedules"
import { applyCredits } from "../credits"
import { applyTax, automaticTaxParam } from "../tax"
import type { Handler } from "./shared"
import { prorationBehavior, prorationDate, subscriptionItemsParam } from "./subscriptions"

function preview(ctx: Ctx, p: Params): Stripe.Invoice {
  allow(p, ["subscription", "subscription_details", "customer", "automatic_tax", "schedule"])
  const automaticTax = automaticTaxParam(p)
  const scheduleId = str(p, "schedule")
  if (scheduleId) return schedulePreview(ctx, p, scheduleId, automaticTax)
  const sub = ctx.store.get<Stripe.Subscription>(req(p, "subscription"), "subscription", "subscription", "subscription")
  if (p.customer !== undefined && p.customer !== sub.customer)
    throw invalid("customer", `The subscription ${sub.id} does not belong to the customer ${String(p.customer)}.`)
  if (sub.status === "canceled" || sub.status === "incomplete_expired")
    throw new StripeApiError(400, "invalid_request_error", "No upcoming invoices for canceled subscriptions.", {
      code: "invoice_upcoming_none",
    })
  const details = obj(p, "subscription_details") ?? {}
  allow(details, ["items", "proration_behavior", "proration_date"], "subscription_details")
  const change = subscriptionItemsParam(ctx, sub, details)
  const proration = prorationBehavior(details, "subscription_details[proration_behavior]")
  const planned = change
    ? planItemChange(ctx, sub, {
        ...change,
        proration,
        prorationDate: prorationDate(ctx, sub, details, "subscription_details[proration_date]"),
      })
    : null
  const lines: Line[] = planned?.lines.filter((l) => proration !== "none" || !l.proration) ?? []
  if (proration !== "always_invoice") {
    // The next renewal: the (new) item for the next period, after any pending prorations.
    const next = planned?.after ?? item(sub)
    const start = planned?.periodEnd ?? next.current_period_end
    const { interval, interval_count } = recurringOf(next.price)
    const period = { start, end: addInterval(start, interval, interval_count) }
    lines.push({ amount: amountOf(next), description: `${next.quantity ?? 1} × ${productName(ctx, next.price)}`, item: next, period })
    // Metered items: the usage so far in the current period, billed in arrears at the renewal.
    for (const m of sub.items.data.filter(isMetered)) lines.push(...usageLines(ctx, sub, m, m.current_period_start, m.current_period_end))
  }
  const inv = draftInvoice(ctx, sub, planned ? "subscription_update" : "upcoming", lines, `upcoming_${ctx.store.id("in")}`)
  // Credits the customer has now, as they would apply (nothing is drawn down by a preview).
  applyCredits(ctx, inv, lines, false)
  // automatic_tax[enabled] of the preview, else the subscription's own setting.
  applyTax(ctx, inv, automaticTax ?? sub.automatic_tax?.enabled ?? false)
  return inv
}

/**
 * `schedule`: the schedule's next invoice. When a next phase follows the current one, it is the first
 * invoice of that phase: its item for one interval of its price from the phase's start, with the
 * subscription's discounts as they stand then and the phase's (else the subscription's) automatic tax;
 * without one, the subscription's own next renewal.
 */
function schedulePreview(ctx: Ctx, p: Params, id: string, automaticTax: boolean | undefined): Stripe.Invoice {
  if (p.subscription_details !== undefined)
    throw invalid("subscription_details", "You may only specify one of these parameters: schedule, subscription_details.")
  const s = ctx.store.get<Schedule>(id, "subscription_schedule", "subscription_schedule", "schedule")
  const sub = subscriptionOfSchedule(ctx, s)
  if (!sub || (s.status !== "active" && s.status !== "not_started"))
    throw new StripeApiError(400, "invalid_request_error", `The subscription schedule ${id} has no upcoming invoice.`, {
      code: "invoice_upcoming_none",
    })
  if (p.subscription !== undefined && p.subscription !== sub.id)
    throw invalid("subscription", `The schedule ${id} does not belong to the subscription ${String(p.subscription)}.`)
  const next = s.phases[currentPhaseIndex(s) + 1]
  const phaseItem = next?.items[0]
  if (!next || !phaseItem) return preview(ctx, { subscription: sub.id, ...(p.automatic_tax ? { automatic_tax: p.automatic_tax } : {}) })
  const price = ctx.store.get<Stripe.Price>(typeof phaseItem.price === "string" ? phaseItem.price : phaseItem.price.id, "price")
  const quantity = phaseItem.quantity ?? 1
  const it = { ...structuredClone(item(sub)), price, quantity }
  const { interval, interval_count } = recurringOf(price)
  const period = { start: next.start_date, end: addInterval(next.start_date, interval, interval_count) }
  const lines: Line[] = [
    { amount: (price.unit_amount ?? 0) * quantity, description: `${quantity} × ${productName(ctx, price)}`, item: it, period },
  ]
  const inv = draftInvoice(ctx, sub, "upcoming", lines, `upcoming_${ctx.store.id("in")}`)
  applyCredits(ctx, inv, lines, false)
  applyTax(ctx, inv, automaticTax ?? next.automatic_tax?.enabled ?? sub.automatic_tax?.enabled ?? false)
  return inv
}

/**
 * What Stripe will charge next for a subscription: the same preview as POST /v1/invoices/create_preview
 * (its schedule's next invoice when a schedule manages it), so a hosted page states the amount the API
 * previews and the renewal charges (discounts, every seat, tax, credits). Null when nothing is due: it
 * has ended or will not renew.
 */
export function upcomingInvoice(ctx: Ctx, sub: Stripe.Subscription): Stripe.Invoice | null {
  if (sub.status === "canceled" || sub.status === "incomplete_expired" || sub.cancel_at_period_end || sub.cancel_at) return null
  const schedule = typeof sub.schedule === "string" ? sub.schedule : (sub.schedule?.id ?? null)
  try {
    return preview(ctx, schedule ? { schedule } : { subscription: sub.id })
  } catch (err) {
    if (err instanceof StripeApiError) return null
    throw err
  }
}

/**
 * What a change of the subscription's item to `price` × `quantity` would invoice, with the proration
 * behavior given: always_invoice the prorations billed at once (the amount due today), otherwise the
 * next renewal with any pending prorations. The same preview POST /v1/invoices/create_preview answers.
 */
export function changePreview(
  ctx: Ctx,
  sub: Stripe.Subscription,
  price: string,
  quantity: number,
  proration: "create_prorations" | "always_invoice" | "none",
): Stripe.Invoice {
  const id = sub.items.data[0]?.id
  return preview(ctx, {
    subscription: sub.id,
    subscription_details: { items: [{ ...(id ? { id } : {}), price, quantity: String(quantity) }], proration_behavior: proration },
  })
}

export const invoicePreview: Record<string, Handler> = {
  "POST /v1/invoices/create_preview": (ctx, p) => preview(ctx, p),
}
