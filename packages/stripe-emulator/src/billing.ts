// The billing engine's subscriptions: creation (with the first invoice), plan and seat changes, and
// the helpers shared with invoicing and the clock. Events are emitted in the order Stripe emits them.
import type Stripe from "stripe"
import { DAY, type Ctx } from "./context"
import { invalid } from "./errors"
import { fromDefaults } from "./defaults"
import { createDiscount, redeem, type Resolved } from "./discounts"
import { afterDiscounts, createInvoice, debitedRate, payInvoice, setDebitedRate, type Line } from "./invoices"
import { setStatus } from "./lifecycle"
import { aggregate } from "./meter-usage"
import { tieredCost } from "./tiers"

import { addInterval } from "./periods"

export { addInterval } // re-exported: the engine's public calendar helper

type Sub = Stripe.Subscription
type Item = Stripe.SubscriptionItem
type Price = Stripe.Price

export const snapshot = <T>(o: T): T => structuredClone(o)
export const item = (sub: Sub): Item => {
  const first = sub.items.data[0]
  if (!first) throw new Error(`subscription ${sub.id} has no items`)
  return first
}
export const periodEnd = (sub: Sub) => item(sub).current_period_end
export const periodStart = (sub: Sub) => item(sub).current_period_start
export const amountOf = (it: Item) => (it.price.unit_amount ?? 0) * (it.quantity ?? 1)
export const isMetered = (it: Item) => it.price.recurring?.usage_type === "metered"

export function legacyPlan(price: Price): Stripe.Plan {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? "month",
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: price.tiers_mode,
    transform_usage: null,
    trial_period_days: null,
    usage_type: price.recurring?.usage_type ?? "licensed",
  } as Stripe.Plan
}

function newItem(ctx: Ctx, subId: string, price: Price, quantity: number | undefined, start: number, end: number): Item {
  const it = fromDefaults<Item>("subscription_item", {
    id: ctx.store.id("si", 14),
    object: "subscription_item",
    created: ctx.store.now(),
    discounts: [],
    price: snapshot(price),
    plan: legacyPlan(price),
    quantity,
    subscription: subId,
    tax_rates: [],
    current_period_start: start,
    current_period_end: end,
    billing_thresholds: null,
  })
  // A metered item has no quantity (Stripe leaves the field out).
  if (quantity === undefined) delete (it as Partial<Item>).quantity
  return it
}

/**
 * The usage lines of a metered item for [start, end): the meter's aggregated value for the customer,
 * priced by the price's tiers (graduated: one line per tier reached, as Stripe itemises them).
 */
export function usageLines(ctx: Ctx, sub: Sub, it: Item, start: number, end: number): Line[] {
  const meter = it.price.recurring?.meter
  const m = meter ? ctx.store.find<Stripe.Billing.Meter>(meter) : undefined
  const used = m ? aggregate(ctx, m, sub.customer as string, start, end) : 0
  const name = productName(ctx, it.price)
  const interval = it.price.recurring?.interval ?? "month"
  return tieredCost(it.price, used).map((t) => ({
    amount: t.amount,
    description:
      it.price.billing_scheme === "tiered"
        ? `${name} (Tier ${t.tier + 1} at ${money(t.unit, it.price.currency)} / ${interval})`
        : `${t.quantity} × ${name} (at ${money(t.unit, it.price.currency)} / ${interval})`,
    item: it,
    period: { start, end },
    quantity: t.quantity,
    unitAmount: t.unit,
    metered: true,
  }))
}

export function recurringPrice(ctx: Ctx, id: string, param: string): Price {
  const price = ctx.store.get<Price>(id, "price", "price", param)
  if (!price.recurring)
    throw invalid(param, `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`)
  if (!price.active) throw invalid(param, `The price specified is inactive. This field only accepts active prices.`)
  return price
}

/** A subscription's price is recurring (recurringPrice checked it on the way in). */
export function recurringOf(price: Price): Stripe.Price.Recurring {
  if (!price.recurring) throw new Error(`price ${price.id} is not recurring`)
  return price.recurring
}

/** The proration credit for the part of the period the old item no longer covers, from what it was paid at. */
function unusedTimeCredit(item: Line["item"], paid: number, unused: number, start: number, end: number): Line {
  return {
    amount: -Math.round(paid * unused),
    description: "Unused time on previous plan",
    item,
    period: { start, end },
    proration: true,
  }
}

/** A subscription here has exactly one item. */
export function onlyItem<T>(items: { data: T[] }): T {
  const [item] = items.data
  if (!item) throw new Error("subscription without items")
  return item
}

export type MissingPaymentMethod = Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod
export const MISSING_PM_BEHAVIORS: readonly MissingPaymentMethod[] = ["cancel", "create_invoice", "pause"]

export type NewSubscription = {
  customer: Stripe.Customer
  price: Price
  quantity: number
  /** Metered prices added as items after the licensed one (no quantity; billed from their meters in arrears). */
  metered?: Price[]
  metadata: Record<string, string>
  trialDays?: number
  /** trial_settings.end_behavior.missing_payment_method: what the trial's end does without a card. */
  missingPaymentMethod?: MissingPaymentMethod
  paymentMethod: string | null
  description?: string | null
  /** A coupon or promotion code checked by resolveDiscount: redeemed now, it discounts the invoices. */
  discount?: Resolved
  /** The Checkout Session the discount was entered on, recorded on the discount object. */
  checkoutSession?: string
  /** automatic_tax[enabled]: Stripe Tax on every invoice of the subscription (tax.ts). */
  automaticTax?: boolean
}

/** Creates a subscription and its first invoice, and tries to pay it (Checkout and the API path). */
export function createSubscription(ctx: Ctx, input: NewSubscription): Sub {
  const now = ctx.store.now()
  const id = ctx.store.id("sub")
  const { interval, interval_count } = recurringOf(input.price)
  const trialEnd = input.trialDays ? now + input.trialDays * DAY : null
  const end = trialEnd ?? addInterval(now, interval, interval_count)
  const it = newItem(ctx, id, input.price, input.quantity, now, end)
  const meteredItems = (input.metered ?? []).map((price) => newItem(ctx, id, price, undefined, now, end))
  const sub = fromDefaults<Sub>("subscription", {
    id,
    object: "subscription",
    automatic_tax: { disabled_reason: null, enabled: !!input.automaticTax, liability: input.automaticTax ? { type: "self" } : null },
    billing_cycle_anchor: end === trialEnd ? trialEnd : now,
    billing_cycle_anchor_config: null,
    // The default for new subscriptions since 2025-09-30.clover (and in Checkout's subscription_data).
    billing_mode: { type: "flexible", flexible: { proration_discounts: "included" } },
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: input.price.currency,
    customer: input.customer.id,
    default_payment_method: input.paymentMethod,
    description: input.description ?? null,
    discounts: [],
    ended_at: null,
    items: { object: "list", data: [it, ...meteredItems], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    metadata: input.metadata,
    pause_collection: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? "trialing" : "incomplete",
    test_clock: (input.customer.test_clock as string | null) ?? null,
    trial_end: trialEnd,
    // Stripe reports the setting on every subscription; create_invoice is its default.
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: input.missingPaymentMethod ?? "create_invoice" },
    },
    trial_start: trialEnd ? now : null,
  } as Partial<Sub> & { id: string })
  if (input.discount) {
    redeem(ctx, input.discount)
    const discount = createDiscount(ctx, input.discount, {
      customer: input.customer.id,
      subscription: id,
      checkoutSession: input.checkoutSession,
    })
    sub.discounts = [discount.id]
    ctx.emit("customer.discount.created", discount)
  }
  ctx.store.put(sub)
  ctx.emit("customer.subscription.created", sub)
  const inv = createInvoice(ctx, sub, "subscription_create", [
    {
      amount: trialEnd ? 0 : amountOf(it),
      description: `${it.quantity} × ${productName(ctx, input.price)}${trialEnd ? " (Trial)" : ` (at ${money(input.price.unit_amount ?? 0, input.price.currency)} / ${interval})`}`,
      item: it,
      period: { start: now, end },
    },
  ])
  const paid = payInvoice(ctx, inv)
  if (paid && sub.status === "incomplete") setStatus(ctx, sub, "active")
  return sub
}

export function productName(ctx: Ctx, price: Price) {
  const product = typeof price.product === "string" ? ctx.store.find<Stripe.Product>(price.product) : (price.product as Stripe.Product)
  return product?.name ?? price.nickname ?? price.id
}

const formats = new Map<string, Intl.NumberFormat>()
export function money(amount: number, currency: string) {
  const code = currency.toUpperCase()
  let format = formats.get(code)
  if (!format) formats.set(code, (format = new Intl.NumberFormat("en-US", { style: "currency", currency: code })))
  return format.format(amount / 100)
}

export type ItemChange = {
  price?: Price
  quantity?: number
  proration: "create_prorations" | "always_invoice" | "none"
  /** subscription_details.proration_date / proration_date: prorate as of this time instead of now. */
  prorationDate?: number
}

type Planned = {
  price: Price
  quantity: number
  intervalChanged: boolean
  lines: Line[]
  periodEnd: number
  now: number
  /** The full-period amount the new item is debited at by this change (after discounts; 0 in a trial). */
  rate: number
  /** The item before and after the change (copies): the lines reference them. */
  prior: Item
  after: Item
}

/** What a change to the subscription's item would bill, without changing anything (also the preview's lines). */
export function planItemChange(ctx: Ctx, sub: Sub, change: ItemChange): Planned | null {
  const it = item(sub)
  const now = ctx.store.now()
  const at = change.prorationDate ?? now
  const price = change.price ?? it.price
  const quantity = change.quantity ?? it.quantity ?? 1
  if (price.id === it.price.id && quantity === it.quantity) return null
  const intervalChanged =
    price.recurring?.interval !== it.price.recurring?.interval || price.recurring?.interval_count !== it.price.recurring?.interval_count
  const start = it.current_period_start
  const end = it.current_period_end
  const unused = end > at ? (end - at) / (end - start) : 0
  // A trial's time is free: nothing was paid for it and the rest of it costs nothing.
  const trial = sub.status === "trialing"
  const paid = trial ? 0 : debitedRate(ctx, sub, it)
  const prior = snapshot(it)
  const after = { ...snapshot(it), price: snapshot(price), plan: legacyPlan(price), quantity }
  const newAmount = amountOf(after)
  const lines: Line[] = []
  const periodEnd = intervalChanged ? addInterval(now, recurringOf(price).interval, recurringOf(price).interval_count) : end
  const net = trial ? { amount: 0, discounts: [] } : afterDiscounts(ctx, sub, after, newAmount, intervalChanged ? now : at)
  if (intervalChanged) {
    // A new interval restarts the billing period today and bills it now, crediting unused time.
    if (change.proration !== "none") lines.push(unusedTimeCredit(prior, paid, unused, at, end))
    lines.push({
      amount: newAmount,
      description: `${quantity} × ${productName(ctx, price)}`,
      item: after,
      period: { start: now, end: periodEnd },
    })
  } else if (change.proration !== "none") {
    lines.push(unusedTimeCredit(prior, paid, unused, at, end))
    lines.push({
      amount: Math.round(net.amount * unused),
      description: `Remaining time on ${quantity} × ${productName(ctx, price)}`,
      item: after,
      period: { start: at, end },
      proration: true,
      discounts: net.discounts,
    })
  }
  return { price, quantity, intervalChanged, lines, periodEnd, now, prior, after, rate: net.amount }
}

/** Switches the subscription's item to another price and/or quantity. */
export function changeItem(ctx: Ctx, sub: Sub, change: ItemChange) {
  const plan = planItemChange(ctx, sub, change)
  if (!plan) return
  const it = item(sub)
  const { price, quantity, intervalChanged, lines, now, prior: before } = plan
  Object.assign(it, { price: snapshot(price), plan: legacyPlan(price), quantity })
  if (intervalChanged) {
    it.current_period_start = now
    it.current_period_end = plan.periodEnd
    sub.billing_cycle_anchor = now
  }
  // The new lines were planned against a copy of the item: bill the item itself.
  for (const l of lines) if (l.item === plan.after) l.item = it
  // Prorated (or restarted), the period is now paid at the new rate; without proration the old rate stands.
  if (intervalChanged || change.proration !== "none") setDebitedRate(it, plan.rate)
  ctx.store.put(sub)
  ctx.emit("customer.subscription.updated", sub, { items: { ...sub.items, data: [before] } })
  if (billsNow(plan, change) || creditsNow(plan, change)) {
    // A credit (fewer seats, a cheaper price) is an invoice too: its negative total is paid at $0 and goes
    // to the customer's credit balance, which the next invoice draws on (balance.ts). Prorations still
    // pending from earlier changes are swept onto it.
    const inv = createInvoice(ctx, sub, "subscription_update", [...lines, ...takePending(sub)])
    if (!payInvoice(ctx, inv) && sub.status === "active") setStatus(ctx, sub, "past_due")
  } else if (change.proration === "create_prorations" && !intervalChanged && lines.length) {
    // create_prorations: the prorations wait for the next invoice (Stripe's pending invoice items).
    addPending(sub, lines)
    ctx.store.put(sub)
  }
}

/** The emulator's note on a subscription: proration lines made by create_prorations, not yet invoiced. */
type WithPending = Sub & { _pending?: Line[] }

/** Prorations waiting for the subscription's next invoice (create_prorations), oldest first. */
export const pendingLines = (sub: Sub): Line[] => (sub as WithPending)._pending ?? []

function addPending(sub: Sub, lines: Line[]) {
  ;(sub as WithPending)._pending = [...pendingLines(sub), ...lines]
}

/** The pending prorations, removed from the subscription: the invoice being made now bills them. */
export function takePending(sub: Sub): Line[] {
  const lines = pendingLines(sub)
  delete (sub as WithPending)._pending
  return lines
}

const net = (plan: Planned) => plan.lines.reduce((s, l) => s + l.amount, 0)
const invoicedNow = (plan: Planned | null, change: ItemChange): plan is Planned =>
  !!plan && (plan.intervalChanged || change.proration === "always_invoice")

/** Whether a planned change is invoiced and charged at once: a new interval, or always_invoice, for more than $0. */
export function billsNow(plan: Planned | null, change: ItemChange): boolean {
  return invoicedNow(plan, change) && net(plan) > 0
}

/**
 * Whether a planned change is invoiced at once for less than $0 (always_invoice on a decrease): Stripe
 * finalizes the credit invoice, nothing is charged, and its total goes to the customer's balance.
 */
export function creditsNow(plan: Planned | null, change: ItemChange): boolean {
  return invoicedNow(plan, change) && net(plan) < 0
}

/**
 * Resumes a paused subscription with billing_cycle_anchor=now: a new period from now whose invoice is
 * finalized and charged at once (Stripe: "If the invoice is paid … the subscription becomes active").
 * `onSuccessOnly` (payment_behavior=resume_on_payment_success): a failed charge leaves it paused with the
 * invoice open (Stripe voids it after 23 hours; not modelled). Otherwise it resumes and turns past_due.
 */
export function resumeSubscription(ctx: Ctx, sub: Sub, onSuccessOnly: boolean) {
  const it = item(sub)
  const now = ctx.store.now()
  const { interval, interval_count } = recurringOf(it.price)
  const previous = { items: { ...sub.items, data: [snapshot(it)] }, billing_cycle_anchor: sub.billing_cycle_anchor }
  it.current_period_start = now
  it.current_period_end = addInterval(now, interval, interval_count)
  sub.billing_cycle_anchor = now
  ctx.store.put(sub)
  ctx.emit("customer.subscription.updated", sub, previous)
  const period = { start: now, end: it.current_period_end }
  const inv = createInvoice(ctx, sub, "subscription_update", [
    { amount: amountOf(it), description: `${it.quantity} × ${productName(ctx, it.price)}`, item: it, period },
  ])
  const paid = payInvoice(ctx, inv)
  if (!paid && onSuccessOnly) return
  setStatus(ctx, sub, paid ? "active" : "past_due")
  ctx.emit("customer.subscription.resumed", sub)
}
