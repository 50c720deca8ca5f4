// Coupons and promotion codes applied to an order: whether one may be redeemed (with Stripe's error
// and the reason hosted Checkout turns into its customer-facing words), what it takes off, and the
// discount objects a redemption creates on a subscription and ends per the coupon's duration.
import type Stripe from "stripe"
import { addInterval } from "./periods"
import type { Ctx } from "./context"
import { fromDefaults } from "./defaults"
import { invalid, missing, StripeApiError } from "./errors"
import { allow, list, str, type Params } from "./params"

/** Why a code was refused; pages/checkout-discount.tsx maps each to what Stripe's Checkout tells the customer. */
export type RefusalReason =
  "unknown" | "inactive" | "expired" | "redeemed_out" | "not_applicable" | "minimum_amount" | "first_time" | "other_customer"

export class DiscountRefused extends StripeApiError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    param: string,
    code?: string,
  ) {
    super(400, "invalid_request_error", message, { ...(code ? { code } : {}), param })
  }
}

/** What a discount is checked against: the order's products, its pre-discount amount and currency. */
export type Order = { products: string[]; amount: number; currency: string; customer?: string | null }
export type DiscountSpec = { coupon?: string; promotion_code?: string }
export type Resolved = { coupon: Stripe.Coupon; promotion: Stripe.PromotionCode | null }

/** A coupon is valid until its redeem_by passes or it has been redeemed max_redemptions times. */
export function couponValid(ctx: Ctx, c: Stripe.Coupon): boolean {
  return !(c.redeem_by != null && c.redeem_by <= ctx.store.now()) && !(c.max_redemptions != null && c.times_redeemed >= c.max_redemptions)
}

/** The stored coupon with `valid` brought up to date (it turns false when redeem_by passes). */
export function freshCoupon(ctx: Ctx, c: Stripe.Coupon): Stripe.Coupon {
  const valid = couponValid(ctx, c)
  if (c.valid !== valid) ctx.store.put(Object.assign(c, { valid }))
  return c
}

/** The amount a coupon takes off `amount` (in `currency`); 0 when an amount_off coupon is in another currency. */
export function amountOff(c: Stripe.Coupon, amount: number, currency: string): number {
  if (amount <= 0) return 0
  if (c.percent_off != null) return Math.round((amount * c.percent_off) / 100)
  if (c.amount_off != null && c.currency === currency) return Math.min(amount, c.amount_off)
  return 0
}

/** Whether the coupon covers a product (applies_to.products limits it; absent: every product). */
export const appliesTo = (c: Stripe.Coupon, product: string) => !c.applies_to || c.applies_to.products.includes(product)

/**
 * Checks that a coupon or promotion code may be redeemed on `order`, as Stripe does when a session or
 * subscription is created with `discounts` and when a customer enters a code in Checkout.
 */
export function resolveDiscount(ctx: Ctx, spec: DiscountSpec, order: Order, param = "discounts[0]"): Resolved {
  const now = ctx.store.now()
  let promotion: Stripe.PromotionCode | null = null
  let couponId = spec.coupon
  if (spec.promotion_code) {
    const pp = `${param}[promotion_code]`
    const found = ctx.store.find<Stripe.PromotionCode>(spec.promotion_code)
    if (!found || found.object !== "promotion_code") throw refusedMissing("promotion code", spec.promotion_code, pp)
    promotion = found
    if (!promotion.active) throw new DiscountRefused("inactive", "This promotion code is not active.", pp)
    if (promotion.expires_at != null && promotion.expires_at <= now)
      throw new DiscountRefused("expired", "This promotion code has expired.", pp)
    if (promotion.max_redemptions != null && promotion.times_redeemed >= promotion.max_redemptions)
      throw new DiscountRefused(
        "redeemed_out",
        "This promotion code cannot be redeemed because it has been used the maximum number of times.",
        pp,
      )
    // "The customer who can use this promotion code": no one else, and not an order whose customer is
    // not known yet (a Checkout Session without `customer` creates its customer only at payment).
    if (promotion.customer != null && promotion.customer !== order.customer)
      throw new DiscountRefused("other_customer", "This promotion code can only be redeemed by the customer it is restricted to.", pp)
    const r = promotion.restrictions
    if (r.minimum_amount != null && (r.minimum_amount_currency !== order.currency || order.amount < r.minimum_amount))
      throw new DiscountRefused(
        "minimum_amount",
        "This promotion code cannot be redeemed because the order is below its minimum amount.",
        pp,
      )
    if (r.first_time_transaction && order.customer && hasPriorTransactions(ctx, order.customer))
      throw new DiscountRefused(
        "first_time",
        "This promotion code cannot be redeemed because the associated customer has prior transactions.",
        pp,
      )
    couponId = promotion.promotion.coupon as string
  }
  const cp = `${param}[coupon]`
  const found = couponId ? ctx.store.find<Stripe.Coupon>(couponId) : undefined
  if (!found || found.object !== "coupon" || found.deleted) throw refusedMissing("coupon", couponId ?? "", cp)
  const coupon = freshCoupon(ctx, found)
  const where = promotion ? `${param}[promotion_code]` : cp
  if (coupon.redeem_by != null && coupon.redeem_by <= now)
    throw new DiscountRefused("expired", `Coupon expired: ${coupon.id}`, where, "coupon_expired")
  if (coupon.max_redemptions != null && coupon.times_redeemed >= coupon.max_redemptions)
    throw new DiscountRefused(
      "redeemed_out",
      "This coupon cannot be redeemed because it has been used the maximum number of times.",
      where,
      "coupon_expired",
    )
  const covered = order.products.some((p) => appliesTo(coupon, p))
  const wrongCurrency = coupon.amount_off != null && coupon.currency !== order.currency
  if (!covered || wrongCurrency)
    throw new DiscountRefused(
      "not_applicable",
      "This coupon cannot be redeemed because it does not apply to anything in this order.",
      where,
      "coupon_applies_to_nothing",
    )
  return { coupon, promotion }
}

/** An id in a parameter that names nothing: resource_missing as a 400 (a 404 is for the URL's own id). */
const refusedMissing = (kind: string, id: string, param: string) => {
  const err = missing(kind, id, param)
  return new DiscountRefused("unknown", err.message, param, "resource_missing")
}

/**
 * Stripe: first_time_transaction codes are "only … redeemed for Customers without any successful payments
 * or invoices". A paid invoice of any amount counts, a trial's $0 one included: a subscriber cannot
 * re-enter a first-time code in the portal at a plan change.
 */
function hasPriorTransactions(ctx: Ctx, customer: string): boolean {
  return ctx.store.all<Stripe.Invoice>("invoice", (i) => i.customer === customer && (i.status === "paid" || i.amount_paid > 0)).length > 0
}

/** Counts a redemption on the coupon and its promotion code (Checkout completion, subscription create). */
export function redeem(ctx: Ctx, r: Resolved) {
  r.coupon.times_redeemed += 1
  ctx.store.put(Object.assign(r.coupon, { valid: couponValid(ctx, r.coupon) }))
  if (r.promotion) {
    r.promotion.times_redeemed += 1
    ctx.store.put(r.promotion)
  }
}

/** The discount object a redemption puts on a subscription; repeating coupons end N months after it starts. */
export function createDiscount(
  ctx: Ctx,
  r: Resolved,
  on: { customer: string; subscription: string; checkoutSession?: string | null },
): Stripe.Discount {
  const start = ctx.store.now()
  const months = r.coupon.duration === "repeating" ? (r.coupon.duration_in_months ?? 1) : null
  const discount = fromDefaults<Stripe.Discount>("discount", {
    id: ctx.store.id("di"),
    object: "discount",
    checkout_session: on.checkoutSession ?? null,
    customer: on.customer,
    end: months ? addInterval(start, "month", months) : null,
    promotion_code: r.promotion?.id ?? null,
    source: { coupon: r.coupon.id, type: "coupon" },
    start,
    subscription: on.subscription,
  })
  ctx.store.put(discount)
  return discount
}

/** The subscription's discounts that still apply at `at` (a repeating one stops at its `end`). */
export function liveDiscounts(ctx: Ctx, sub: Stripe.Subscription, at: number): Stripe.Discount[] {
  return sub.discounts
    .map((d) => ctx.store.find<Stripe.Discount>(typeof d === "string" ? d : d.id))
    .filter((d): d is Stripe.Discount => !!d && (d.end == null || d.end > at))
}

export const couponOf = (ctx: Ctx, d: Stripe.Discount) => ctx.store.find<Stripe.Coupon>(d.source.coupon as string)

/** Takes a discount off the subscription (its end came, or a `once` coupon was used), as Stripe does. */
export function removeDiscount(ctx: Ctx, sub: Stripe.Subscription, discount: Stripe.Discount) {
  const previous = { discounts: [...sub.discounts] }
  sub.discounts = sub.discounts.filter((d) => (typeof d === "string" ? d : d.id) !== discount.id)
  ctx.store.put(sub)
  ctx.emit("customer.discount.deleted", discount)
  ctx.emit("customer.subscription.updated", sub, previous)
}

/**
 * A code redeemed on an existing subscription (the hosted portal's promotion code field): it replaces the
 * subscription's discount (subkit applies one), with customer.discount.deleted / .created and
 * customer.subscription.updated carrying the old `discounts`.
 */
export function applyToSubscription(ctx: Ctx, sub: Stripe.Subscription, r: Resolved) {
  // Every discount still on it (whatever its end), taken off before the new one goes on.
  for (const d of liveDiscounts(ctx, sub, Number.NEGATIVE_INFINITY)) removeDiscount(ctx, sub, d)
  const previous = { discounts: [...sub.discounts] }
  redeem(ctx, r)
  const discount = createDiscount(ctx, r, { customer: sub.customer as string, subscription: sub.id })
  sub.discounts = [discount.id]
  ctx.store.put(sub)
  ctx.emit("customer.discount.created", discount)
  ctx.emit("customer.subscription.updated", sub, previous)
}

/** `discounts[0][coupon|promotion_code]` on a create call: exactly one of the two, and one discount (`tooMany` says why). */
export function oneDiscountParam(p: Params, tooMany: string): DiscountSpec | undefined {
  const raw = list(p, "discounts")
  if (!raw || raw.length === 0) return undefined
  if (raw.length > 1) throw invalid("discounts", tooMany)
  const d = raw[0] as Params
  allow(d, ["coupon", "promotion_code"], "discounts[0]")
  const coupon = str(d, "coupon")
  const promotion_code = str(d, "promotion_code")
  if (coupon && promotion_code)
    throw invalid("discounts[0]", "You may only specify one of these parameters: discounts[0][coupon], discounts[0][promotion_code].")
  if (!coupon && !promotion_code)
    throw invalid("discounts[0]", "You must specify either discounts[0][coupon] or discounts[0][promotion_code].")
  return coupon ? { coupon } : { promotion_code }
}
