/** @jsxImportSource preact */
// Hosted Checkout (mode=subscription, and mode=payment for a one-time price): order summary, email, test card, Pay. Declines show Stripe's words
// and create nothing; success completes the session (resources/checkout.ts) and redirects.
import type Stripe from "stripe"
import { onlyItem, productName, recurringOf } from "../billing"
import type { Ctx } from "../context"
import { DiscountRefused } from "../discounts"
import { StripeApiError } from "../errors"
import { collectsNoCard, completeSession, setSessionDiscount } from "../resources/checkout"
import type { StoredSession } from "../resources/shared"
import { customerMessage, DiscountRows, offAfterTrial, promotionCode } from "./checkout-discount"
import { Brand, CardFields, date, money, page, readCard } from "./layout"
import type { PageRequest, PageResult } from "./types"

type Session = StoredSession

export function checkoutPage(r: PageRequest, id: string): PageResult {
  const { ctx } = r
  const session = ctx.store.find<Session>(id)
  if (!session || session.object !== "checkout.session")
    return {
      status: 404,
      html: page(
        "Checkout",
        <>
          <h1>Something went wrong</h1>
          <p>The page you were looking for could not be found.</p>
        </>,
      ),
    }
  if (session.status === "complete") return { redirect: successUrl(session) }
  if (session.status === "expired" || session.expires_at < ctx.store.now())
    return {
      status: 410,
      html: page(
        "Checkout",
        <>
          <h1>This Checkout Session is no longer active</h1>
          {session.cancel_url ? (
            <p>
              <a href={session.cancel_url}>Return to the merchant</a>
            </p>
          ) : null}
        </>,
      ),
    }
  if (r.method === "POST" && r.form.promo_action !== undefined) return promotionCode(ctx, session, r.form, render)
  if (r.method === "POST") {
    try {
      const card = collectsNoCard(session) ? null : readCard(r.form)
      completeSession(ctx, session, { email: String(r.form.email ?? ""), name: String(r.form.name ?? ""), card })
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
  const oneTime = s.mode === "payment"
  const interval = oneTime ? null : recurringOf(price).interval
  const total = (price.unit_amount ?? 0) * li.quantity
  const trial = s._subscription_data.trial_period_days
  const fixedEmail = s.customer ? ctx.store.find<Stripe.Customer>(s.customer as string)?.email : s.customer_email
  const cardless = collectsNoCard(s)
  const right = "text-align:right"
  const side = (
    <>
      {s.cancel_url ? (
        <p>
          <a class="link" href={s.cancel_url}>
            ← Back
          </a>
        </p>
      ) : null}
      <Brand branding={ctx.branding} />
      <p class="muted">{oneTime ? `Pay ${ctx.branding.accountName}` : `Subscribe to ${name}`}</p>
      <div class="price" data-testid="checkout-total">
        {money(total, price.currency)}
        {interval ? <span class="muted small"> per {interval}</span> : null}
      </div>
      {trial ? (
        <p>
          <strong>{trial} days free</strong>, then {money(total - offAfterTrial(ctx, s), price.currency)} per {interval} from{" "}
          {date(ctx.store.now() + trial * 86400)}
        </p>
      ) : null}
      <table aria-label="Order summary">
        <tr>
          <td>
            {name}
            {li.quantity > 1 ? (
              <>
                <br />
                <span class="muted small">
                  Qty {li.quantity} × {money(price.unit_amount ?? 0, price.currency)}
                </span>
              </>
            ) : null}
            {interval ? (
              <>
                <br />
                <span class="muted small">Billed {interval}ly</span>
              </>
            ) : null}
          </td>
          <td style={right}>{money(total, price.currency)}</td>
        </tr>
        <DiscountRows ctx={ctx} s={s} subtotal={total} currency={price.currency} form={form} promoError={promoError} />
        <tr>
          <th>Total due today</th>
          <th style={right} data-testid="checkout-due-today">
            {money(s.amount_total ?? (trial ? 0 : total), price.currency)}
          </th>
        </tr>
      </table>
    </>
  )
  const body = (
    <>
      <h1>{cardless ? "Start your trial" : "Pay with card"}</h1>
      <form method="post" novalidate>
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          value={String(form.email ?? fixedEmail ?? "")}
          readOnly={Boolean(fixedEmail)}
        />
        {cardless ? (
          <>
            <p class="muted small">No card needed to start your trial.</p>
            {error ? (
              <p role="alert" class="error">
                {error}
              </p>
            ) : null}
          </>
        ) : (
          <>
            <h2>Card information</h2>
            <CardFields error={error} />
            <label for="name">Cardholder name</label>
            <input id="name" name="name" autocomplete="cc-name" value={String(form.name ?? "")} />
          </>
        )}
        <label for="country">Country or region</label>
        <select id="country" name="country">
          <option value="US">United States</option>
          <option value="GB">United Kingdom</option>
          <option value="DE">Germany</option>
          <option value="FR">France</option>
        </select>
        <button class="primary" type="submit">
          {oneTime ? "Pay" : trial ? "Start trial" : "Subscribe"}
        </button>
        {oneTime ? null : (
          <p class="muted small">
            By confirming your subscription, you allow {ctx.branding.accountName} to charge you for future payments in accordance with their
            terms. You can always cancel your subscription.
          </p>
        )}
      </form>
      <footer>
        <span>Powered by the Stripe emulator</span> · <a href="https://stripe.com/legal/end-users">Terms</a>
      </footer>
    </>
  )
  return page(oneTime ? `Pay for ${name}` : `Subscribe to ${name}`, body, { side, branding: ctx.branding })
}
