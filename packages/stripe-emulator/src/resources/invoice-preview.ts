// POST /v1/invoices/create_preview for a change to an existing subscription's item (the seat change the
// app previews before confirming): the invoice Stripe would create, computed by the same proration as
// the update itself and never stored. proration_behavior always_invoice previews the prorations billed
// now; create_prorations the next renewal with them pending; none the next renewal alone.
import type Stripe from "stripe"
import {
  addInterval,
  amountOf,
  isMetered,
  item,
  legacyPlan,
  pendingLines,
  planItemChange,
  productName,
  recurringOf,
  usageLines,
} from "../billing"
import type { Ctx } from "../context"
import { invalid, StripeApiError } from "../errors"
import { draftInvoice, type Line } from "../invoices"
import { allow, obj, req, str, type Params } from "../params"
import { currentPhaseIndex, subscriptionOfSchedule, type Schedule } from "../schedules"
import { applyCredits } from "../credits"
import { fromDefaults } from "../defaults"
import { resolveDiscount } from "../discounts"
import { applyTax, automaticTaxParam } from "../tax"
import { applyBalance } from "../balance"
import type { Handler } from "./shared"
import { phasesParam } from "./subscription-schedules"
import { prorationBehavior, prorationDate, subscriptionItemsParam } from "./subscriptions"

function preview(ctx: Ctx, p: Params): Stripe.Invoice {
  allow(p, ["subscription", "subscription_details", "customer", "automatic_tax", "schedule", "schedule_details"])
  const automaticTax = automaticTaxParam(p)
  const scheduleId = str(p, "schedule")
  if (p.schedule_details !== undefined) {
    for (const k of ["subscription", "subscription_details"])
      if (p[k] !== undefined) throw invalid(k, `You may only specify one of these parameters: schedule_details, ${k}.`)
    if (!scheduleId) return newSchedulePreview(ctx, p, automaticTax)
  }
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
  // Prorations already pending (earlier create_prorations changes) are on whichever invoice comes next.
  const pending = pendingLines(sub)
  if (proration === "always_invoice" && planned) lines.push(...pending)
  if (proration !== "always_invoice") {
    // The next renewal: the (new) item for the next period, after any pending prorations.
    const next = planned?.after ?? item(sub)
    const start = planned?.periodEnd ?? next.current_period_end
    const { interval, interval_count } = recurringOf(next.price)
    const period = { start, end: addInterval(start, interval, interval_count) }
    lines.push({ amount: amountOf(next), description: `${next.quantity ?? 1} × ${productName(ctx, next.price)}`, item: next, period })
    // Metered items: the usage so far in the current period, billed in arrears at the renewal.
    for (const m of sub.items.data.filter(isMetered)) lines.push(...usageLines(ctx, sub, m, m.current_period_start, m.current_period_end))
    lines.push(...pending)
  }
  const inv = draftInvoice(ctx, sub, planned ? "subscription_update" : "upcoming", lines, `upcoming_${ctx.store.id("in")}`)
  // Credits the customer has now, as they would apply (nothing is drawn down by a preview).
  applyCredits(ctx, inv, lines, false)
  // automatic_tax[enabled] of the preview, else the subscription's own setting.
  applyTax(ctx, inv, automaticTax ?? sub.automatic_tax?.enabled ?? false)
  // The customer's credit balance as it would apply (starting_balance; ending_balance stays null on a preview).
  applyBalance(ctx, inv)
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
  const stored = ctx.store.get<Schedule>(id, "subscription_schedule", "subscription_schedule", "schedule")
  const sub = subscriptionOfSchedule(ctx, stored)
  // schedule_details: the schedule as the update with these phases would leave it (nothing stored).
  const s = scheduleDetails(p) ? { ...stored, phases: phasesParam(ctx, stored, scheduleDetails(p) ?? {}) } : stored
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
  // The customer's credit balance as it would apply (starting_balance; ending_balance stays null on a preview).
  applyBalance(ctx, inv)
  return inv
}

/** `schedule_details` (phases, end_behavior, proration_behavior), checked. */
function scheduleDetails(p: Params): Params | undefined {
  const d = obj(p, "schedule_details")
  if (d) allow(d, ["phases", "end_behavior", "proration_behavior"], "schedule_details")
  return d
}

/**
 * `customer` + `schedule_details` without `schedule`: the first invoice of the schedule these phases
 * would create, billed at the first phase's start (now, or a future start_date: a schedule that has
 * not started) for one interval of its item's price; the phase's discounts (a coupon or promotion code
 * as a new discount from the phase's start, or one of the customer's discounts) on it, the customer's
 * credits and the preview's automatic tax (else the phase's). The subscription it would create is
 * not stored; the invoice names it by an id of its own.
 */
function newSchedulePreview(ctx: Ctx, p: Params, automaticTax: boolean | undefined): Stripe.Invoice {
  const customerId = str(p, "customer")
  if (!customerId)
    throw invalid("customer", "A preview of a new subscription schedule (schedule_details without schedule) needs a customer.")
  const customer = ctx.store.get<Stripe.Customer>(customerId, "customer", "customer", "customer")
  const phases = phasesParam(ctx, { current_phase: null, customer: customer.id }, scheduleDetails(p) ?? {})
  const first = phases[0]
  const phaseItem = first?.items[0]
  if (!first || !phaseItem) throw invalid("schedule_details[phases]", "A subscription schedule needs at least one phase.")
  const price = ctx.store.get<Stripe.Price>(typeof phaseItem.price === "string" ? phaseItem.price : phaseItem.price.id, "price")
  const quantity = phaseItem.quantity ?? 1
  const { interval, interval_count } = recurringOf(price)
  const period = { start: first.start_date, end: addInterval(first.start_date, interval, interval_count) }
  const subId = ctx.store.id("sub")
  const it = fromDefaults<Stripe.SubscriptionItem>("subscription_item", {
    id: ctx.store.id("si"),
    object: "subscription_item",
    created: ctx.store.now(),
    current_period_start: period.start,
    current_period_end: period.end,
    metadata: {},
    plan: legacyPlan(price),
    price,
    quantity,
    subscription: subId,
  })
  const discounts = first.discounts.map((d, i) => phaseDiscount(ctx, d, customer, subId, first.start_date, price, quantity, i))
  const sub = {
    id: subId,
    object: "subscription",
    customer: customer.id,
    currency: price.currency,
    metadata: first.metadata ?? {},
    discounts: [],
    items: { object: "list", data: [it], has_more: false, url: "/v1/subscription_items" },
  } as unknown as Stripe.Subscription
  const lines: Line[] = [
    { amount: (price.unit_amount ?? 0) * quantity, description: `${quantity} × ${productName(ctx, price)}`, item: it, period },
  ]
  const inv = draftInvoice(ctx, sub, "subscription_create", lines, `upcoming_${ctx.store.id("in")}`, discounts)
  applyCredits(ctx, inv, lines, false)
  applyTax(ctx, inv, automaticTax ?? first.automatic_tax?.enabled ?? false)
  // The customer's credit balance as it would apply (starting_balance; ending_balance stays null on a preview).
  applyBalance(ctx, inv)
  return inv
}

/** A phase's discount for a schedule not made yet: a new discount for a coupon or promotion code, or an existing one of the customer's. */
function phaseDiscount(
  ctx: Ctx,
  d: Stripe.SubscriptionSchedule.Phase.Discount,
  customer: Stripe.Customer,
  subscription: string,
  start: number,
  price: Stripe.Price,
  quantity: number,
  i: number,
): Stripe.Discount {
  const param = `schedule_details[phases][0][discounts][${i}]`
  if (typeof d.discount === "string") {
    const existing = ctx.store.find<Stripe.Discount>(d.discount)
    if (!existing || existing.object !== "discount" || existing.customer !== customer.id)
      throw invalid(`${param}[discount]`, `No such discount: '${d.discount}'`)
    return existing
  }
  const spec = typeof d.promotion_code === "string" ? { promotion_code: d.promotion_code } : { coupon: (d.coupon as string | null) ?? "" }
  const r = resolveDiscount(
    ctx,
    spec,
    { products: [price.product as string], amount: (price.unit_amount ?? 0) * quantity, currency: price.currency, customer: customer.id },
    param,
  )
  const months = r.coupon.duration === "repeating" ? (r.coupon.duration_in_months ?? 1) : null
  // Not stored: the schedule (and its discount) exist only in this preview.
  return fromDefaults<Stripe.Discount>("discount", {
    id: ctx.store.id("di"),
    object: "discount",
    checkout_session: null,
    customer: customer.id,
    end: months ? addInterval(start, "month", months) : null,
    promotion_code: r.promotion?.id ?? null,
    source: { coupon: r.coupon.id, type: "coupon" },
    start,
    subscription,
  })
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
