// Plan changes in the app (Pro ↔ Team, monthly ↔ yearly): the preview (invoices.createPreview), the
// change billed now at the previewed proration_date, and the changes made at the period's end through
// a subscription schedule (from_subscription, then the phases: the current one, the new item after it).
import "server-only"
import type Stripe from "stripe"
import type { PlanChangeCheck, PlanChangePreview, PlanChangeRequest } from "@/lib/billing/types"
import { env } from "@/lib/env"
import { stripe } from "./config"
import { stripeCall } from "./errors"

/** STRIPE_TAX: previews and changes ask Stripe Tax (automatic_tax) for the tax; off, nothing is sent. */
const withTax = () => (env.billing.tax ? { automatic_tax: { enabled: true } } : {})

/** Whether Stripe Tax could place the customer: requires_location_inputs means it needs a billing address. */
const needsAddress = (invoice: Stripe.Invoice) => env.billing.tax && invoice.automatic_tax?.status === "requires_location_inputs"

/** A line's tax, and the part of it added on top of its amount (exclusive tax). */
function lineTax(l: Stripe.InvoiceLineItem) {
  const taxes = l.taxes ?? []
  return {
    tax: taxes.reduce((s, t) => s + t.amount, 0),
    added: taxes.filter((t) => t.tax_behavior === "exclusive").reduce((s, t) => s + t.amount, 0),
  }
}

async function subscriptionOf(subscriptionId: string): Promise<{ sub: Stripe.Subscription; item: Stripe.SubscriptionItem }> {
  // The discounts expanded: an at-period-end preview carries the ones still in force then.
  const sub = await stripeCall(() => stripe.subscriptions.retrieve(subscriptionId, { expand: ["discounts"] }))
  const item = sub.items.data[0]
  if (!item) throw new Error(`subscription ${subscriptionId} has no items`)
  return { sub, item }
}

/** Where a preview's proration starts: Stripe's "now" (a customer on a test clock lives at the clock's time). */
const prorationMoment = (invoice: Stripe.Invoice) =>
  invoice.lines.data.find((l) => l.parent?.subscription_item_details?.proration)?.period.start ?? invoice.created

/** Tax on a preview or invoice: the sum of total_taxes (empty without automatic tax). */
export const taxOf = (invoice: Stripe.Invoice) => (invoice.total_taxes ?? []).reduce((s, t) => s + t.amount, 0)

const linesOf = (invoice: Stripe.Invoice) => invoice.lines.data.map((l) => ({ description: l.description ?? "", amount: l.amount }))

/**
 * What the change costs. Now: the prorations (or, for a new interval, the new period less the unused
 * time) billed at once, as of Stripe's "now", and the invoice after it. At the period's end: nothing
 * now, and the first invoice at the new price on the period's end.
 */
export async function previewPlanChange(r: PlanChangeRequest): Promise<PlanChangePreview> {
  const { sub, item } = await subscriptionOf(r.subscriptionId)
  const items = [{ id: item.id, price: r.priceId, quantity: r.quantity }]
  const base = {
    kind: r.kind,
    itemId: item.id,
    fromPriceId: item.price.id,
    fromQuantity: item.quantity ?? 1,
    priceId: r.priceId,
    quantity: r.quantity,
    currency: sub.currency,
  }
  if (r.kind === "now") {
    const invoice = await stripeCall(() =>
      stripe.invoices.createPreview({
        subscription: r.subscriptionId,
        subscription_details: { items, proration_behavior: "always_invoice" },
        ...withTax(),
      }),
    )
    // A new interval starts a new period now: the invoice after it is that period's renewal.
    const period = invoice.lines.data.find((l) => !l.parent?.subscription_item_details?.proration)
    let next: PlanChangePreview["nextInvoice"]
    if (period) {
      // The new period's line again at its end (same amount, discount and tax rate, barring changes).
      const discounted = period.amount - (period.discount_amounts ?? []).reduce((s, d) => s + d.amount, 0)
      const { tax, added } = lineTax(period)
      next = { amount: discounted + added, tax, at: new Date(period.period.end * 1000) }
    } else {
      const renewal = await stripeCall(() =>
        stripe.invoices.createPreview({
          subscription: r.subscriptionId,
          subscription_details: { items, proration_behavior: "none" },
          ...withTax(),
        }),
      )
      next = {
        amount: renewal.total,
        tax: taxOf(renewal),
        at: new Date((renewal.lines.data[0]?.period.start ?? item.current_period_end) * 1000),
      }
    }
    return {
      ...base,
      prorationDate: prorationMoment(invoice),
      amountDue: invoice.total,
      tax: taxOf(invoice),
      taxNeedsAddress: needsAddress(invoice),
      lines: linesOf(invoice),
      nextInvoice: next,
    }
  }
  // At the period's end: Stripe's preview of the schedule the confirm would make (schedule_details):
  // the new item from the period's end, with the subscription's discounts still in force then and
  // Stripe Tax, so "Next invoice" is what Stripe charges at the change (nothing is made until the confirm).
  const at = item.current_period_end
  const discounts = liveDiscountsAt(sub, at)
  const first = await stripeCall(() =>
    stripe.invoices.createPreview({
      customer: typeof sub.customer === "string" ? sub.customer : sub.customer.id,
      schedule_details: {
        phases: [{ start_date: at, items: [{ price: r.priceId, quantity: r.quantity }], ...(discounts.length ? { discounts } : {}) }],
      },
      ...withTax(),
    }),
  )
  return {
    ...base,
    prorationDate: at,
    amountDue: 0,
    tax: 0,
    taxNeedsAddress: needsAddress(first),
    lines: [],
    nextInvoice: { amount: first.total, tax: taxOf(first), at: new Date(at * 1000) },
  }
}

/**
 * The subscription's discounts still in force at `at`, as coupons for a preview's phase: a schedule not
 * made yet cannot reuse the subscription's discount objects, and a coupon redeemed at the phase's start
 * takes off the same on its first invoice (a repeating one's end before `at` leaves it out).
 */
function liveDiscountsAt(sub: Stripe.Subscription, at: number): { coupon: string }[] {
  return sub.discounts.flatMap((d) => {
    if (typeof d === "string") return []
    if (d.end != null && d.end <= at) return []
    const coupon = d.source.coupon
    return coupon ? [{ coupon: typeof coupon === "string" ? coupon : coupon.id }] : []
  })
}

/** What a confirm of a change billed now checks: the item as it is, Stripe's "now", the amount at the previewed moment. */
export async function planChangeNow(r: PlanChangeRequest, at: number): Promise<PlanChangeCheck> {
  const { sub, item } = await subscriptionOf(r.subscriptionId)
  const details = { items: [{ id: item.id, price: r.priceId, quantity: r.quantity }], proration_behavior: "always_invoice" as const }
  const [now, then] = await Promise.all([
    stripeCall(() => stripe.invoices.createPreview({ subscription: r.subscriptionId, subscription_details: details, ...withTax() })),
    stripeCall(() =>
      stripe.invoices.createPreview({
        subscription: r.subscriptionId,
        subscription_details: { ...details, proration_date: at },
        ...withTax(),
      }),
    ),
  ])
  return {
    itemId: item.id,
    priceId: item.price.id,
    quantity: item.quantity ?? 1,
    scheduleId: typeof sub.schedule === "string" ? sub.schedule : (sub.schedule?.id ?? null),
    stripeNow: prorationMoment(now),
    amountDue: then.total,
    taxNeedsAddress: needsAddress(then),
  }
}

/** The change billed now, as previewed; refused (402, nothing changed) when the card does not pay it. */
export async function applyPlanChange(r: PlanChangeRequest & { itemId: string; prorationDate: number; fromPriceId: string }) {
  await stripeCall(() =>
    stripe.subscriptions.update(
      r.subscriptionId,
      {
        items: [{ id: r.itemId, price: r.priceId, quantity: r.quantity }],
        proration_behavior: "always_invoice",
        proration_date: r.prorationDate,
        payment_behavior: "error_if_incomplete",
        // Stripe Tax on this invoice and the subscription's next ones (a subscription from before STRIPE_TAX too).
        ...withTax(),
      },
      { idempotencyKey: `subkit-plan-${r.subscriptionId}-${r.fromPriceId}-${r.priceId}-${r.quantity}-${r.prorationDate}` },
    ),
  )
}

/**
 * The change at the period's end: a schedule from the subscription (its one phase is the current
 * period), then two phases: the current one as it is (its discounts kept: phases replace them), and
 * the new item for one interval of its price; released after that, so the subscription goes on as
 * changed. If the phases cannot be set, the schedule is released again so nothing is left half-made.
 */
export async function schedulePlanChange(r: PlanChangeRequest & { interval: "month" | "year" }): Promise<string> {
  const { sub } = await subscriptionOf(r.subscriptionId)
  const existing = typeof sub.schedule === "string" ? sub.schedule : (sub.schedule?.id ?? null)
  const schedule = existing
    ? await stripeCall(() => stripe.subscriptionSchedules.retrieve(existing))
    : await stripeCall(() =>
        stripe.subscriptionSchedules.create(
          { from_subscription: r.subscriptionId },
          { idempotencyKey: `subkit-schedule-${r.subscriptionId}-${sub.items.data[0]?.current_period_end ?? 0}` },
        ),
      )
  const current = schedule.phases.find((p) => p.start_date === schedule.current_phase?.start_date) ?? schedule.phases[0]
  if (!current) throw new Error(`schedule ${schedule.id} has no phase`)
  const discounts = current.discounts.map((d) =>
    d.discount
      ? { discount: typeof d.discount === "string" ? d.discount : d.discount.id }
      : { coupon: typeof d.coupon === "string" ? d.coupon : (d.coupon?.id ?? "") },
  )
  try {
    await stripeCall(() =>
      stripe.subscriptionSchedules.update(schedule.id, {
        end_behavior: "release",
        phases: [
          {
            items: current.items.map((i) => ({ price: typeof i.price === "string" ? i.price : i.price.id, quantity: i.quantity ?? 1 })),
            start_date: current.start_date,
            end_date: current.end_date,
            ...(discounts.length ? { discounts } : {}),
          },
          {
            items: [{ price: r.priceId, quantity: r.quantity }],
            duration: { interval: r.interval, interval_count: 1 },
            proration_behavior: "none",
            // The new plan's invoices taxed by Stripe Tax (the phase sets it on the subscription).
            ...withTax(),
            ...(discounts.length ? { discounts } : {}),
          },
        ],
      }),
    )
  } catch (err) {
    if (!existing) await stripeCall(() => stripe.subscriptionSchedules.release(schedule.id)).catch(() => undefined)
    throw err
  }
  return schedule.id
}

/** Cancels a scheduled change: the schedule is released and the subscription goes on unchanged. */
export async function releaseSchedule(subscriptionId: string, scheduleId: string): Promise<"released" | "not_ours"> {
  const schedule = await stripeCall(() => stripe.subscriptionSchedules.retrieve(scheduleId))
  const of = typeof schedule.subscription === "string" ? schedule.subscription : (schedule.subscription?.id ?? null)
  if (of !== subscriptionId || (schedule.status !== "active" && schedule.status !== "not_started")) return "not_ours"
  await stripeCall(() => stripe.subscriptionSchedules.release(scheduleId))
  return "released"
}
