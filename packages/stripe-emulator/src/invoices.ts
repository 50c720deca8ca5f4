// Invoices: created and finalized for a subscription, paid (or failed) with its card, retried.
import type Stripe from "stripe"
import { chargeSucceeds, type Outcome } from "./cards"
import { DAY, type Ctx } from "./context"
import { fromDefaults } from "./defaults"
import { amountOff, appliesTo, couponOf, liveDiscounts, removeDiscount } from "./discounts"
import { setStatus } from "./lifecycle"
import { applyCredits } from "./credits"
import { applyTax } from "./tax"
import { applyBalance, settleBalance } from "./balance"

type Sub = Stripe.Subscription
type Item = Stripe.SubscriptionItem
type Inv = Stripe.Invoice
type StoredPm = Stripe.PaymentMethod & { _outcome: Outcome }

export type Line = {
  amount: number
  description: string
  item: Item
  period: { start: number; end: number }
  proration?: boolean
  /** A proration's discounts, already taken off its amount (Stripe lists them with a discount amount of 0). */
  discounts?: string[]
  /** A usage line's units and unit amount (otherwise the item's quantity and price). */
  quantity?: number
  unitAmount?: number
  /** Billed from a meter's usage (credit grants apply to these). */
  metered?: boolean
}

/**
 * A draft invoice for these lines, not stored: createInvoice's, and the preview's (POST /v1/invoices/create_preview).
 * `discounts`: the discounts to apply instead of the subscription's (a preview of a schedule not made yet).
 */
export function draftInvoice(
  ctx: Ctx,
  sub: Sub,
  reason: Stripe.Invoice.BillingReason,
  lines: Line[],
  id: string,
  discounts?: Stripe.Discount[],
): Inv {
  const now = ctx.store.now()
  const customer = ctx.store.get<Stripe.Customer>(sub.customer as string, "customer")
  const subtotal = lines.reduce((s, l) => s + l.amount, 0)
  const off = discountLines(ctx, sub, lines, discounts)
  const discounted = off.perLine.reduce((s, l) => s + l.reduce((a, d) => a + d.amount, 0), 0)
  const total = subtotal - discounted
  return fromDefaults<Inv>("invoice", {
    id,
    object: "invoice",
    account_country: "US",
    account_name: ctx.branding.accountName,
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
    discounts: off.applied.map((d) => d.id),
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
      data: lines.map((l, i) =>
        fromDefaults<Stripe.InvoiceLineItem>(
          "line_item" as never,
          {
            id: ctx.store.id("il"),
            object: "line_item",
            amount: l.amount,
            currency: sub.currency,
            description: l.description,
            discount_amounts: l.proration ? (l.discounts ?? []).map((discount) => ({ amount: 0, discount })) : (off.perLine[i] ?? []),
            discountable: !l.proration,
            discounts: [],
            invoice: id,
            period: l.period,
            quantity: l.quantity ?? l.item.quantity ?? 1,
            subscription: sub.id,
            subtotal: l.amount,
            pretax_credit_amounts: (off.perLine[i] ?? []).map((d) => ({ ...d, type: "discount" })),
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
              unit_amount_decimal: String(l.unitAmount ?? l.item.price.unit_amount ?? 0),
            },
            quantity_decimal: String(l.quantity ?? l.item.quantity ?? 1),
          } as never,
        ),
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
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: (customer.test_clock as string | null) ?? null,
    total,
    total_discount_amounts: off.applied.map((d) => ({ amount: off.byDiscount.get(d.id) ?? 0, discount: d.id })),
    total_excluding_tax: total,
    total_pretax_credit_amounts: off.applied.map((d) => ({ amount: off.byDiscount.get(d.id) ?? 0, discount: d.id, type: "discount" })),
    total_taxes: [],
    webhooks_delivered_at: now,
  } as Partial<Inv> & { id: string })
}

export function createInvoice(ctx: Ctx, sub: Sub, reason: Stripe.Invoice.BillingReason, lines: Line[]): Inv {
  const now = ctx.store.now()
  const customer = ctx.store.get<Stripe.Customer>(sub.customer as string, "customer")
  const id = ctx.store.id("in")
  const seq = customer.next_invoice_sequence ?? 1
  customer.next_invoice_sequence = seq + 1
  const inv = draftInvoice(ctx, sub, reason, lines, id)
  // Billing credits draw down on the lines they cover before the invoice is finalized and charged.
  applyCredits(ctx, inv, lines, true)
  // Stripe Tax on what is left after discounts and credits, when the subscription has automatic tax.
  applyTax(ctx, inv, sub.automatic_tax?.enabled ?? false)
  // The customer's credit balance (a seat removed earlier) on what is left; a negative total owes nothing.
  applyBalance(ctx, inv)
  // A full-period line is what the item's period is paid at (flexible billing mode credits from it).
  for (const l of lines) if (!l.proration && !l.metered) recordPeriodDebit(inv, l.item)
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
  // Finalizing draws the balance down, or adds a negative total's credit to it (ending_balance).
  settleBalance(ctx, inv)
  ctx.store.put(inv)
  ctx.emit("invoice.finalized", inv)
  sub.latest_invoice = id
  ctx.store.put(sub)
  // A `once` coupon is used up by the first invoice it discounts; Stripe then takes it off the subscription.
  for (const d of inv.discounts) {
    const discount = ctx.store.find<Stripe.Discount>(typeof d === "string" ? d : d.id)
    if (discount && couponOf(ctx, discount)?.duration === "once") removeDiscount(ctx, sub, discount)
  }
  return inv
}

type DiscountAmount = { amount: number; discount: string }

/**
 * What the subscription's live discounts take off each line: prorations are not discountable, a coupon
 * limited to products only touches their lines, and an amount_off coupon is spread over lines up to its amount.
 */
function discountLines(ctx: Ctx, sub: Sub, lines: Line[], discounts = liveDiscounts(ctx, sub, 0)) {
  const perLine: DiscountAmount[][] = lines.map(() => [])
  const byDiscount = new Map<string, number>()
  const applied: Stripe.Discount[] = []
  // Each line is judged at its own period start: a preview's next-renewal line after a repeating discount's end is full price.
  for (const d of discounts) {
    const coupon = couponOf(ctx, d)
    if (!coupon) continue
    let budget = coupon.amount_off ?? Number.POSITIVE_INFINITY
    lines.forEach((l, i) => {
      const product = l.item.price.product as string
      const before = l.amount - (perLine[i] ?? []).reduce((s, x) => s + x.amount, 0)
      if (l.proration || before <= 0 || !appliesTo(coupon, product) || (d.end != null && d.end <= l.period.start)) return
      const amount = Math.min(budget, amountOff(coupon, before, sub.currency))
      if (amount <= 0) return
      budget -= amount
      perLine[i]?.push({ amount, discount: d.id })
      byDiscount.set(d.id, (byDiscount.get(d.id) ?? 0) + amount)
    })
    if (byDiscount.has(d.id)) applied.push(d)
  }
  return { perLine, byDiscount, applied }
}

export function chargeablePaymentMethod(ctx: Ctx, sub: Sub): StoredPm | undefined {
  const customer = ctx.store.find<Stripe.Customer>(sub.customer as string)
  const pmId = (sub.default_payment_method as string | null) ?? (customer?.invoice_settings.default_payment_method as string | null)
  return ctx.store.find<StoredPm>(pmId)
}

/**
 * What `amount` of `it` comes to after the subscription's discounts in force at `at`, and the discounts
 * that took part: a proration's amount is computed this way, the discount folded in (Stripe's
 * "Prorations and discounts": prorations are not discountable, their amount reflects the discount).
 */
export function afterDiscounts(ctx: Ctx, sub: Sub, it: Item, amount: number, at: number): { amount: number; discounts: string[] } {
  let net = amount
  const used: string[] = []
  for (const d of liveDiscounts(ctx, sub, at)) {
    const coupon = couponOf(ctx, d)
    if (!coupon || !appliesTo(coupon, it.price.product as string)) continue
    const off = amountOff(coupon, net, sub.currency)
    if (off <= 0) continue
    net -= off
    used.push(d.id)
  }
  return { amount: net, discounts: used }
}

/** The emulator's note on an item: the full-period amount its current period was debited at, after discounts. */
type Debited = Item & { _debited?: number }

/**
 * What the item's current period was paid at (flexible billing mode credits unused time from the amount
 * originally debited, not from today's price and discounts). Stripe splits the credit per original
 * debit; the emulator keeps one rate, so its credit is one line with the same total.
 */
export function debitedRate(ctx: Ctx, sub: Sub, it: Item): number {
  return (
    (it as Debited)._debited ??
    afterDiscounts(ctx, sub, it, (it.price.unit_amount ?? 0) * (it.quantity ?? 1), it.current_period_start).amount
  )
}

export function setDebitedRate(it: Item, amount: number) {
  ;(it as Debited)._debited = amount
}

/** Records what a period invoice debited for its item (the first invoice, each renewal, a resume). */
function recordPeriodDebit(inv: Inv, it: Item) {
  const line = inv.lines.data.find(
    (l) => l.parent?.subscription_item_details?.subscription_item === it.id && !l.parent.subscription_item_details.proration,
  )
  if (line) setDebitedRate(it, line.amount - (line.discount_amounts ?? []).reduce((s, d) => s + d.amount, 0))
}

/** One payment attempt on an open invoice. Returns whether it is paid. */
export function payInvoice(ctx: Ctx, inv: Inv): boolean {
  if (inv.status !== "open") return inv.status === "paid"
  const sub = subscriptionOf(ctx, inv)
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

export const subscriptionOf = (ctx: Ctx, inv: Inv) => ctx.store.find<Sub>(inv.parent?.subscription_details?.subscription as string)

/** One payment attempt; a paid invoice brings a past_due or unpaid subscription back to active. */
export function payAndReactivate(ctx: Ctx, inv: Inv): boolean {
  const paid = payInvoice(ctx, inv)
  const sub = subscriptionOf(ctx, inv)
  if (paid && sub && (sub.status === "past_due" || sub.status === "unpaid")) setStatus(ctx, sub, "active")
  return paid
}

/** After a card update: retry what is owed now, as the portal does. */
export function retryOpenInvoices(ctx: Ctx, customerId: string) {
  for (const inv of ctx.store.all<Inv>("invoice", (i) => i.customer === customerId && i.status === "open")) payAndReactivate(ctx, inv)
}
