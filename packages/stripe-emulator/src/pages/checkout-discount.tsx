/** @jsxImportSource preact */
// Hosted Checkout's promotion code field: Apply (a plain form post that re-renders the page) checks the
// code with resolveDiscount and shows the discount line, or the reason in Checkout's customer-facing words.
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { amountOff, appliesTo, DiscountRefused, resolveDiscount, type RefusalReason } from "../discounts"
import { sessionOrder, setSessionDiscount } from "../resources/checkout"
import type { StoredSession } from "../resources/shared"
import { atCustomerTime } from "../resources/test-clocks"
import { money } from "./layout"
import type { PageResult } from "./types"

type Session = StoredSession
type Render = (ctx: Ctx, s: Session, form: Record<string, unknown>, error?: string, promoError?: string) => string

/**
 * What Checkout tells the customer about a code. "This code is invalid." and "This code is valid, but
 * doesn't apply to items in your order." are Stripe Checkout's words; the others are the emulator's.
 */
export function customerMessage(reason: RefusalReason): string {
  switch (reason) {
    case "expired":
      return "This code has expired."
    case "redeemed_out":
      return "This code has reached its redemption limit."
    case "not_applicable":
      return "This code is valid, but doesn't apply to items in your order."
    case "minimum_amount":
      return "This code requires a higher order total."
    case "first_time":
      return "This code is only for first-time customers."
    case "other_customer":
      return "This code isn't available for this customer."
    default:
      return "This code is invalid."
  }
}

/** The code a customer typed: codes are case-insensitive; an active code wins over inactive ones with the same letters. */
export function findPromotionCode(ctx: Ctx, code: string): Stripe.PromotionCode | undefined {
  const matches = ctx.store.all<Stripe.PromotionCode>("promotion_code", (x) => x.code.toUpperCase() === code.toUpperCase())
  return matches.find((x) => x.active) ?? matches[0]
}

/** "20% off · for 3 months": what a coupon takes off and for how long, as Checkout and the portal say it. */
export function couponTerms(coupon: Stripe.Coupon): string {
  const off = coupon.percent_off != null ? `${coupon.percent_off}% off` : `${money(coupon.amount_off ?? 0, coupon.currency ?? "usd")} off`
  const span =
    coupon.duration === "forever"
      ? "forever"
      : coupon.duration === "once"
        ? "first invoice only"
        : `for ${coupon.duration_in_months} months`
  return `${off} · ${span}`
}

/** The "Add promotion code" form: Apply checks the code and re-renders with the discount or the reason. */
export function promotionCode(ctx: Ctx, s: Session, form: Record<string, unknown>, render: Render): PageResult {
  // Only a code the customer entered comes off; a discount the merchant set at creation stays.
  if (form.promo_action === "remove" && s.allow_promotion_codes) {
    setSessionDiscount(ctx, s, null, null)
    return { html: render(ctx, s, {}) }
  }
  if (!s.allow_promotion_codes) return { status: 400, html: render(ctx, s, {}, "This Checkout Session does not accept promotion codes.") }
  const code = String(form.promotion_code ?? "").trim()
  if (!code) return { status: 400, html: render(ctx, s, {}, undefined, "Enter a promotion code.") }
  const found = findPromotionCode(ctx, code)
  if (!found) return { status: 400, html: render(ctx, s, { promotion_code: code }, undefined, customerMessage("unknown")) }
  try {
    const spec = { promotion_code: found.id }
    const fixed = s.customer ? ctx.store.find<Stripe.Customer>(s.customer as string) : undefined
    const check = () => resolveDiscount(ctx, spec, sessionOrder(ctx, s))
    setSessionDiscount(ctx, s, spec, fixed ? atCustomerTime(ctx, fixed, check) : check())
    return { html: render(ctx, s, {}) }
  } catch (err) {
    if (!(err instanceof DiscountRefused)) throw err
    return { status: 400, html: render(ctx, s, { promotion_code: code }, undefined, customerMessage(err.reason)) }
  }
}

/** The session's discount as the summary shows it: the code (or coupon name), what it takes off and for how long. */
function appliedDiscount(ctx: Ctx, s: Session): { label: string; terms: string; coupon: Stripe.Coupon } | null {
  const d = s.discounts?.[0]
  if (!d) return null
  const promo = d.promotion_code ? ctx.store.find<Stripe.PromotionCode>(d.promotion_code as string) : undefined
  const coupon = ctx.store.find<Stripe.Coupon>((promo?.promotion.coupon as string | undefined) ?? (d.coupon as string))
  if (!coupon) return null
  return { label: promo?.code ?? coupon.name ?? coupon.id, terms: couponTerms(coupon), coupon }
}

/**
 * During a trial nothing is due today, so the session has no discount amount (Stripe ignores a coupon on a
 * zero-cost invoice); what the code takes off is the first charge after the trial, the same amountOff the
 * invoices use. 0 without a trial or a discount.
 */
export function offAfterTrial(ctx: Ctx, s: Session): number {
  const applied = s._subscription_data.trial_period_days ? appliedDiscount(ctx, s) : null
  if (!applied) return 0
  const order = sessionOrder(ctx, s)
  return order.products.some((p) => appliesTo(applied.coupon, p)) ? amountOff(applied.coupon, order.amount, order.currency) : 0
}

type RowsProps = { ctx: Ctx; s: Session; subtotal: number; currency: string; form: Record<string, unknown>; promoError?: string }

/** Subtotal, the applied discount (with Remove) or the "Add promotion code" field, as table rows. */
export function DiscountRows({ ctx, s, subtotal, currency, form, promoError }: RowsProps) {
  const applied = appliedDiscount(ctx, s)
  const afterTrial = offAfterTrial(ctx, s)
  const off = afterTrial || (s.total_details?.amount_discount ?? 0)
  const right = "text-align:right"
  const subtotalRow = (
    <tr>
      <td>Subtotal</td>
      <td style={right}>{money(subtotal, currency)}</td>
    </tr>
  )
  if (applied)
    return (
      <>
        {subtotalRow}
        <tr data-testid="checkout-discount">
          <td>
            <strong>{applied.label}</strong>
            <br />
            <span class="muted small">{applied.terms}</span>
            {s.allow_promotion_codes ? (
              <form method="post" style="display:inline">
                <input type="hidden" name="promo_action" value="remove" />
                <button class="link small" type="submit" aria-label={`Remove promotion code ${applied.label}`}>
                  Remove
                </button>
              </form>
            ) : null}
          </td>
          <td style={right}>
            −{money(off, currency)}
            {afterTrial ? (
              <>
                <br />
                <span class="muted small">after the trial</span>
              </>
            ) : null}
          </td>
        </tr>
      </>
    )
  if (!s.allow_promotion_codes) return null
  return (
    <>
      {subtotalRow}
      <tr>
        <td colSpan={2}>
          <form method="post" novalidate>
            <input type="hidden" name="promo_action" value="apply" />
            <label for="promotion_code">Add promotion code</label>
            <div class="row">
              <input
                id="promotion_code"
                name="promotion_code"
                autocomplete="off"
                value={String(form.promotion_code ?? "")}
                aria-invalid={promoError ? "true" : undefined}
                aria-describedby={promoError ? "promo-error" : undefined}
              />
              <button class="secondary" type="submit" style="flex:0 0 auto">
                Apply
              </button>
            </div>
            {promoError ? (
              <div class="alert" role="alert" id="promo-error" data-testid="promo-error">
                {promoError}
              </div>
            ) : null}
          </form>
        </td>
      </tr>
    </>
  )
}
