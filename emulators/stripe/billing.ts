// The billing engine: subscriptions, invoices and payments, renewals and retries as time advances.
// Events are emitted in the order Stripe emits them for the same change.
import type Stripe from "stripe"
import { chargeSucceeds, type Outcome } from "./cards"
import type { Ctx } from "./context"
import { fromFixture } from "./fixtures"
import { invalid, StripeApiError } from "./errors"

type Sub = Stripe.Subscription
type Item = Stripe.SubscriptionItem
type Inv = Stripe.Invoice
type Price = Stripe.Price
type StoredPm = Stripe.PaymentMethod & { _outcome: Outcome }

export const DAY = 86_400

/** Adds whole months/years the way Stripe does: the anchor's day, clamped to the month's end. */
export function addInterval(ts: number, interval: Stripe.Price.Recurring.Interval, count = 1): number {
  const d = new Date(ts * 1000)
  if (interval === "day") return ts + DAY * count
  if (interval === "week") return ts + 7 * DAY * count
  const months = interval === "month" ? count : 12 * count
  const day = d.getUTCDate()
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return Math.floor(target.getTime() / 1000)
}

const snapshot = <T>(o: T): T => structuredClone(o)
const item = (sub: Sub): Item => {
  const first = sub.items.data[0]
  if (!first) throw new Error(`subscription ${sub.id} has no items`)
  return first
}
export const periodEnd = (sub: Sub) => item(sub).current_period_end
export const periodStart = (sub: Sub) => item(sub).current_period_start
const amountOf = (it: Item) => (it.price.unit_amount ?? 0) * (it.quantity ?? 1)

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
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  } as Stripe.Plan
}

function newItem(ctx: Ctx, subId: string, price: Price, quantity: number, start: number, end: number): Item {
  return fromFixture<Item>("subscription_item", {
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
}

export function recurringPrice(ctx: Ctx, id: string, param: string): Price {
  const price = ctx.store.get<Price>(id, "price", "price", param)
  if (!price.recurring) throw invalid(param, `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`)
  if (!price.active) throw invalid(param, `The price specified is inactive. This field only accepts active prices.`)
  return price
}

export type NewSubscription = {
  customer: Stripe.Customer
  price: Price
  quantity: number
  metadata: Record<string, string>
  trialDays?: number
  paymentMethod: string | null
  description?: string | null
}

/** Creates a subscription and its first invoice, and tries to pay it (Checkout and the API path). */
export function createSubscription(ctx: Ctx, input: NewSubscription): Sub {
  const now = ctx.store.now()
  const id = ctx.store.id("sub")
  const interval = input.price.recurring!.interval
  const trialEnd = input.trialDays ? now + input.trialDays * DAY : null
  const end = trialEnd ?? addInterval(now, interval, input.price.recurring!.interval_count)
  const it = newItem(ctx, id, input.price, input.quantity, now, end)
  const sub = fromFixture<Sub>("subscription", {
    id,
    object: "subscription",
    billing_cycle_anchor: end === trialEnd ? trialEnd : now,
    billing_cycle_anchor_config: null,
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
    items: { object: "list", data: [it], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    metadata: input.metadata,
    pause_collection: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? "trialing" : "incomplete",
    test_clock: null,
    trial_end: trialEnd,
    trial_start: trialEnd ? now : null,
  } as Partial<Sub> & { id: string })
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

export function money(amount: number, currency: string) {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(amount / 100)
}

function setStatus(ctx: Ctx, sub: Sub, status: Stripe.Subscription.Status, extra: Partial<Sub> = {}) {
  const previous: Record<string, unknown> = { status: sub.status }
  for (const k of Object.keys(extra)) previous[k] = (sub as unknown as Record<string, unknown>)[k]
  Object.assign(sub, { status, ...extra })
  ctx.store.put(sub)
  ctx.emit(status === "canceled" || status === "incomplete_expired" ? "customer.subscription.deleted" : "customer.subscription.updated", sub, previous)
}

type Line = { amount: number; description: string; item: Item; period: { start: number; end: number }; proration?: boolean }

export function createInvoice(ctx: Ctx, sub: Sub, reason: Stripe.Invoice.BillingReason, lines: Line[]): Inv {
  const now = ctx.store.now()
  const customer = ctx.store.get<Stripe.Customer>(sub.customer as string, "customer")
  const id = ctx.store.id("in")
  const total = lines.reduce((s, l) => s + l.amount, 0)
  const seq = customer.next_invoice_sequence ?? 1
  customer.next_invoice_sequence = seq + 1
  const inv = fromFixture<Inv>("invoice", {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "subkit (emulator)",
    amount_due: total,
    amount_paid: 0,
    amount_remaining: total,
    amount_overpaid: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatically_finalizes_at: null,
    billing_reason: reason,
    collection_method: "charge_automatically",
    created: now,
    currency: sub.currency,
    customer: customer.id,
    customer_address: customer.address,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_shipping: customer.shipping,
    default_payment_method: null,
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: "list",
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
      data: lines.map((l) =>
        fromFixture<Stripe.InvoiceLineItem>("line_item" as never, {
          id: ctx.store.id("il"),
          object: "line_item",
          amount: l.amount,
          currency: sub.currency,
          description: l.description,
          discount_amounts: [],
          discountable: true,
          discounts: [],
          invoice: id,
          period: l.period,
          quantity: l.item.quantity ?? 1,
          subscription: sub.id,
          subtotal: l.amount,
          pretax_credit_amounts: [],
          taxes: [],
          parent: {
            type: "subscription_item_details",
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: null,
              proration: !!l.proration,
              proration_details: { credited_items: null },
              subscription: sub.id,
              subscription_item: l.item.id,
            },
          },
          pricing: {
            type: "price_details",
            price_details: { price: l.item.price.id, product: l.item.price.product as string },
            unit_amount_decimal: String(l.item.price.unit_amount ?? 0),
          },
          quantity_decimal: String(l.item.quantity ?? 1),
        } as never),
      ),
    },
    next_payment_attempt: null,
    number: null,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: sub.metadata, subscription: sub.id },
    },
    period_end: lines[0]?.period.start ?? now,
    period_start: lines[0]?.period.start ?? now,
    receipt_number: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
  } as Partial<Inv> & { id: string })
  ctx.store.put(customer)
  ctx.store.put(inv)
  ctx.emit("invoice.created", inv)
  // Finalize at once (Stripe waits ~1 h for renewals; nothing here edits drafts).
  Object.assign(inv, {
    status: "open",
    number: `${(customer.invoice_prefix ?? "SUBKIT").toUpperCase()}-${String(seq).padStart(4, "0")}`,
    hosted_invoice_url: `${ctx.baseUrl}/i/${id}`,
    invoice_pdf: `${ctx.baseUrl}/i/${id}/pdf`,
    effective_at: now,
    status_transitions: { ...inv.status_transitions, finalized_at: now },
  })
  ctx.store.put(inv)
  ctx.emit("invoice.finalized", inv)
  sub.latest_invoice = id
  ctx.store.put(sub)
  return inv
}

export function chargeablePaymentMethod(ctx: Ctx, sub: Sub): StoredPm | undefined {
  const customer = ctx.store.find<Stripe.Customer>(sub.customer as string)
  const pmId = (sub.default_payment_method as string | null) ?? (customer?.invoice_settings.default_payment_method as string | null)
  return ctx.store.find<StoredPm>(pmId)
}

/** One payment attempt on an open invoice. Returns whether it is paid. */
export function payInvoice(ctx: Ctx, inv: Inv): boolean {
  if (inv.status !== "open") return inv.status === "paid"
  const sub = ctx.store.find<Sub>(inv.parent?.subscription_details?.subscription as string)
  const now = ctx.store.now()
  if (inv.amount_due === 0) return markPaid(ctx, inv, now)
  const pm = sub && chargeablePaymentMethod(ctx, sub)
  inv.attempt_count += 1
  inv.attempted = true
  if (pm && chargeSucceeds(pm._outcome)) {
    inv.default_payment_method = pm.id
    return markPaid(ctx, inv, now)
  }
  const retries = ctx.settings.retryScheduleDays
  const delay = retries[inv.attempt_count - 1]
  inv.next_payment_attempt = inv.billing_reason === "subscription_create" || delay === undefined ? null : now + delay * DAY
  ctx.store.put(inv)
  ctx.emit("invoice.payment_failed", inv)
  return false
}

function markPaid(ctx: Ctx, inv: Inv, now: number) {
  Object.assign(inv, {
    status: "paid",
    amount_paid: inv.amount_due,
    amount_remaining: 0,
    next_payment_attempt: null,
    status_transitions: { ...inv.status_transitions, paid_at: now },
  })
  ctx.store.put(inv)
  ctx.emit("invoice.paid", inv)
  ctx.emit("invoice.payment_succeeded", inv)
  return true
}

/** After a card update: retry what is owed now, as the portal does, and reactivate on success. */
export function retryOpenInvoices(ctx: Ctx, customerId: string) {
  for (const inv of ctx.store.all<Inv>("invoice", (i) => i.customer === customerId && i.status === "open")) {
    const sub = ctx.store.find<Sub>(inv.parent?.subscription_details?.subscription as string)
    if (payInvoice(ctx, inv) && sub && (sub.status === "past_due" || sub.status === "unpaid")) setStatus(ctx, sub, "active")
  }
}

export function cancelNow(ctx: Ctx, sub: Sub, details?: Partial<Stripe.Subscription.CancellationDetails>) {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") return
  const now = ctx.store.now()
  const status = sub.status === "incomplete" ? "incomplete_expired" : "canceled"
  setStatus(ctx, sub, status, {
    canceled_at: sub.canceled_at ?? now,
    ended_at: now,
    cancel_at_period_end: sub.cancel_at_period_end,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: "cancellation_requested", ...sub.cancellation_details, ...details },
  })
}

export type ItemChange = { price?: Price; quantity?: number; proration: "create_prorations" | "always_invoice" | "none" }

/** Switches the subscription's item to another price and/or quantity. */
export function changeItem(ctx: Ctx, sub: Sub, change: ItemChange) {
  const it = item(sub)
  const now = ctx.store.now()
  const before = snapshot(it)
  const price = change.price ?? it.price
  const quantity = change.quantity ?? it.quantity ?? 1
  if (price.id === it.price.id && quantity === it.quantity) return
  const intervalChanged =
    price.recurring?.interval !== it.price.recurring?.interval || price.recurring?.interval_count !== it.price.recurring?.interval_count
  const start = it.current_period_start
  const end = it.current_period_end
  const unused = end > now ? (end - now) / (end - start) : 0
  const oldAmount = amountOf(it)
  Object.assign(it, { price: snapshot(price), plan: legacyPlan(price), quantity })
  const newAmount = amountOf(it)
  const lines: Line[] = []
  if (intervalChanged) {
    // A new interval restarts the billing period today and bills it now, crediting unused time.
    it.current_period_start = now
    it.current_period_end = addInterval(now, price.recurring!.interval, price.recurring!.interval_count)
    sub.billing_cycle_anchor = now
    if (change.proration !== "none")
      lines.push({ amount: -Math.round(oldAmount * unused), description: "Unused time on previous plan", item: before, period: { start: now, end }, proration: true })
    lines.push({ amount: newAmount, description: `${quantity} × ${productName(ctx, price)}`, item: it, period: { start: now, end: it.current_period_end } })
  } else if (change.proration !== "none") {
    lines.push({ amount: -Math.round(oldAmount * unused), description: "Unused time on previous plan", item: before, period: { start: now, end }, proration: true })
    lines.push({ amount: Math.round(newAmount * unused), description: `Remaining time on ${quantity} × ${productName(ctx, price)}`, item: it, period: { start: now, end }, proration: true })
  }
  ctx.store.put(sub)
  ctx.emit("customer.subscription.updated", sub, { items: { ...sub.items, data: [before] } })
  const billNow = intervalChanged || change.proration === "always_invoice"
  if (billNow && lines.length) {
    const total = lines.reduce((s, l) => s + l.amount, 0)
    if (total > 0) {
      const inv = createInvoice(ctx, sub, "subscription_update", lines)
      if (!payInvoice(ctx, inv) && sub.status === "active") setStatus(ctx, sub, "past_due")
    }
  }
}

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
  const sub = ctx.store.find<Sub>(inv.parent?.subscription_details?.subscription as string)
  if (payInvoice(ctx, inv)) {
    if (sub && (sub.status === "past_due" || sub.status === "unpaid")) setStatus(ctx, sub, "active")
    return
  }
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
