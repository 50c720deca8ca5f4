// Hosted Checkout (mode=subscription): order summary, email, test card, Pay. Declines show
// Stripe's words and create nothing; success completes the session and redirects.
import type Stripe from "stripe"
import { attachPaymentMethod, createCustomer, createPaymentMethod, updateCustomer } from "../api"
import { createSubscription, onlyItem, productName, recurringOf } from "../billing"
import { checkCard, DECLINED, INSUFFICIENT } from "../cards"
import type { Ctx } from "../context"
import { StripeApiError } from "../errors"
import { cardFields, date, html, money, page, readCard } from "./layout"
import type { PageRequest, PageResult } from "./router"
import type { StoredSession } from "../resources/shared"
import { DiscountRefused, resolveDiscount, type Resolved } from "../discounts"
import { sessionOrder, setSessionDiscount } from "../resources/checkout"
import { customerMessage, discountRows, promotionCode } from "./checkout-discount"
import { atCustomerTime } from "../resources/test-clocks"

type Session = StoredSession

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function checkoutPage(r: PageRequest, id: string): PageResult {
  const { ctx } = r
  const session = ctx.store.find<Session>(id)
  if (!session || session.object !== "checkout.session")
    return {
      status: 404,
      html: page("Checkout", html`<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>`),
    }
  if (session.status === "complete") return { redirect: successUrl(session) }
  if (session.status === "expired" || session.expires_at < ctx.store.now())
    return {
      status: 410,
      html: page(
        "Checkout",
        html`<h1>This Checkout Session is no longer active</h1>${session.cancel_url ? html`<p><a href="${session.cancel_url}">Return to the merchant</a></p>` : ""}`,
      ),
    }
  if (r.method === "POST" && r.form.promo_action !== undefined) return promotionCode(ctx, session, r.form, render)
  if (r.method === "POST") {
    try {
      const fixed = session.customer ? ctx.store.find<Stripe.Customer>(session.customer as string) : undefined
      // A customer on a test clock subscribes at the clock's time, as through the API.
      if (fixed) atCustomerTime(ctx, fixed, () => complete(ctx, session, r.form))
      else complete(ctx, session, r.form)
      return { redirect: successUrl(session) }
    } catch (err) {
      if (err instanceof DiscountRefused) {
        setSessionDiscount(ctx, session, null, null) // the code no longer applies: it comes off, with the reason
        return { status: 400, html: render(ctx, session, r.form, undefined, customerMessage(err.reason)) }
      }
      if (!(err instanceof StripeApiError)) throw err
      return { status: 402, html: render(ctx, session, r.form, err.message) }
    }
  }
  return { html: render(ctx, session, {}) }
}

function successUrl(s: Session) {
  // Subscription-mode sessions are created with a success_url (the API requires it).
  return (s.success_url ?? "").replace("{CHECKOUT_SESSION_ID}", s.id)
}

function render(ctx: Ctx, s: Session, form: Record<string, unknown>, error?: string, promoError?: string) {
  const li = onlyItem({ data: s._line_items })
  const price = ctx.store.get<Stripe.Price>(li.price, "price")
  const name = productName(ctx, price)
  const interval = recurringOf(price).interval
  const total = (price.unit_amount ?? 0) * li.quantity
  const trial = s._subscription_data.trial_period_days
  const fixedEmail = s.customer ? ctx.store.find<Stripe.Customer>(s.customer as string)?.email : s.customer_email
  const side = html`
    ${s.cancel_url ? html`<p><a class="link" href="${s.cancel_url}">← Back</a></p>` : ""}
    <div class="brand"><i aria-hidden="true"></i><span>subkit</span><span class="badge">TEST MODE</span></div>
    <p class="muted">Subscribe to ${name}</p>
    <div class="price" data-testid="checkout-total">${money(total, price.currency)}<span class="muted small"> per ${interval}</span></div>
    ${trial ? html`<p><strong>${trial} days free</strong>, then ${money(total, price.currency)} per ${interval} from ${date(ctx.store.now() + trial * 86400)}</p>` : ""}
    <table aria-label="Order summary"><tr><td>${name}${li.quantity > 1 ? html`<br><span class="muted small">Qty ${li.quantity} × ${money(price.unit_amount ?? 0, price.currency)}</span>` : ""}<br><span class="muted small">Billed ${interval}ly</span></td><td style="text-align:right">${money(total, price.currency)}</td></tr>
    ${discountRows(ctx, s, total, price.currency, form, promoError)}
    <tr><th>Total due today</th><th style="text-align:right" data-testid="checkout-due-today">${money(s.amount_total ?? (trial ? 0 : total), price.currency)}</th></tr></table>`
  const body = html`
    <h1>${cardless(s) ? "Start your trial" : "Pay with card"}</h1>
    <form method="post" novalidate>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="email" required value="${String(form.email ?? fixedEmail ?? "")}" ${fixedEmail ? html`readonly` : ""}>
      ${
        cardless(s)
          ? html`<p class="muted small">No card needed to start your trial.</p>${error ? html`<p role="alert" class="error">${error}</p>` : ""}`
          : html`<h2>Card information</h2>
      ${cardFields(error)}
      <label for="name">Cardholder name</label>
      <input id="name" name="name" autocomplete="cc-name" value="${String(form.name ?? "")}">`
      }
      <label for="country">Country or region</label>
      <select id="country" name="country"><option value="US">United States</option><option value="GB">United Kingdom</option><option value="DE">Germany</option><option value="FR">France</option></select>
      <button class="primary" type="submit">${trial ? "Start trial" : "Subscribe"}</button>
      <p class="muted small">By confirming your subscription, you allow subkit to charge you for future payments in accordance with their terms. You can always cancel your subscription.</p>
    </form>
    <footer><span>Powered by the subkit Stripe emulator</span> · <a href="https://stripe.com/legal/end-users">Terms</a></footer>`
  return page(`Subscribe to ${name}`, body, { side })
}

/** payment_method_collection=if_required with nothing due today (a trial): Checkout asks for no card. */
const cardless = (s: Session) => s.payment_method_collection === "if_required" && (s.amount_total ?? 0) === 0

function complete(ctx: Ctx, s: Session, form: Record<string, unknown>) {
  const fixed = s.customer ? ctx.store.get<Stripe.Customer>(s.customer as string, "customer") : undefined
  const email = (fixed?.email ?? String(form.email ?? "")).trim()
  if (!EMAIL_RE.test(email)) throw new StripeApiError(400, "invalid_request_error", "Your email address is incomplete.")
  const card = cardless(s) ? null : readCard(form)
  // Validate and authorize before anything exists, so a decline leaves no customer or subscription.
  const { outcome } = card ? checkCard(card, new Date(ctx.store.now() * 1000)) : { outcome: "ok" }
  if (outcome === "attach_insufficient_funds") throw INSUFFICIENT()
  if (outcome !== "ok") throw DECLINED()
  // The code is checked again as the session completes: it may have expired or run out since it was applied.
  const applied = s.discounts?.[0]
  const discount: Resolved | undefined = applied
    ? resolveDiscount(
        ctx,
        { coupon: (applied.coupon as string | null) ?? undefined, promotion_code: (applied.promotion_code as string | null) ?? undefined },
        { ...sessionOrder(ctx, s), customer: fixed?.id ?? null },
      )
    : undefined
  const name = String(form.name ?? "").trim() || null
  const customer = fixed ?? createCustomer(ctx, { email, ...(name ? { name } : {}) })
  const pm = card ? createPaymentMethod(ctx, card, { name, email }) : null
  if (pm) {
    attachPaymentMethod(ctx, pm, customer)
    updateCustomer(ctx, customer, { invoice_settings: { default_payment_method: pm.id } })
  }
  const li = onlyItem({ data: s._line_items })
  const sub = createSubscription(ctx, {
    discount,
    checkoutSession: s.id,
    customer,
    price: ctx.store.get<Stripe.Price>(li.price, "price"),
    quantity: li.quantity,
    metered: (s._metered ?? []).map((id) => ctx.store.get<Stripe.Price>(id, "price")),
    metadata: s._subscription_data.metadata,
    trialDays: s._subscription_data.trial_period_days,
    missingPaymentMethod: s._subscription_data.missing_payment_method,
    paymentMethod: pm?.id ?? null,
    description: s._subscription_data.description,
  })
  Object.assign(s, {
    status: "complete",
    payment_status: s._subscription_data.trial_period_days ? "no_payment_required" : "paid",
    customer: customer.id,
    subscription: sub.id,
    invoice: sub.latest_invoice,
    customer_details: {
      address: null,
      email,
      name,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
      business_name: null,
      individual_name: null,
    },
    url: null,
  })
  ctx.store.put(s)
  ctx.emit("checkout.session.completed", s)
}
