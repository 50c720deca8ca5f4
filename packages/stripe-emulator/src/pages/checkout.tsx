/** @jsxImportSource preact */
// Hosted Checkout (mode=subscription, and mode=payment for a one-time price): order summary, email, test card, Pay. Declines show Stripe's words
// and create nothing; success completes the session (resources/checkout.ts) and redirects.
import type Stripe from "stripe"
import { onlyItem, productName, recurringOf } from "../billing"
import type { Ctx } from "../context"
import { DiscountRefused } from "../discounts"
import { StripeApiError } from "../errors"
import { collectsNoCard, completeSession, pageTaxSubject, setSessionDiscount, setSessionTotals } from "../resources/checkout"
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
  if (r.method === "POST" && r.form.tax_action !== undefined) {
    // "Update total": the tax for the address and VAT number entered so far, the form kept as typed.
    session._tax_subject = pageTaxSubject(ctx, session, taxInput(r.form))
    setSessionTotals(ctx, session, session._tax_subject)
    return { html: render(ctx, session, r.form) }
  }
  if (r.method === "POST") {
    try {
      const card = collectsNoCard(session) ? null : readCard(r.form)
      completeSession(ctx, session, {
        email: String(r.form.email ?? ""),
        name: String(r.form.name ?? ""),
        card,
        ...(asksAddress(session) ? taxInput(r.form) : {}),
      })
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

/** The page asks for a billing address with automatic tax or billing_address_collection=required. */
const asksAddress = (s: Session) => s.automatic_tax.enabled || s.billing_address_collection === "required"

const field = (form: Record<string, unknown>, k: string) => String(form[k] ?? "").trim() || null

/** The billing address, business name and VAT number the form carries. */
function taxInput(form: Record<string, unknown>) {
  const address: Stripe.Address = {
    line1: field(form, "address_line1"),
    line2: null,
    city: field(form, "address_city"),
    state: field(form, "address_state"),
    postal_code: field(form, "address_postal_code"),
    country: field(form, "country"),
  }
  return { address, businessName: field(form, "business_name"), taxId: field(form, "tax_id") }
}

const COUNTRIES: [string, string][] = [
  ["US", "United States"],
  ["GB", "United Kingdom"],
  ["DE", "Germany"],
  ["FR", "France"],
  ["ES", "Spain"],
  ["IT", "Italy"],
  ["NL", "Netherlands"],
  ["AU", "Australia"],
  ["CA", "Canada"],
]

/** The tax row: the rate and amount, reverse charge, or what is still needed to compute it. */
function TaxRow({ s, currency }: { s: Session; currency: string }) {
  if (!s.automatic_tax.enabled) return null
  const right = "text-align:right"
  const t = s._tax
  if (!t)
    return (
      <tr data-testid="checkout-tax">
        <td>Tax</td>
        <td style={right} class="muted small">
          Enter address to calculate
        </td>
      </tr>
    )
  const label =
    t.reason === "reverse_charge"
      ? "VAT (reverse charge)"
      : t.reason === "standard_rated"
        ? `Tax (${t.percent}%${t.inclusive ? ", included" : ""})`
        : "Tax"
  return (
    <tr data-testid="checkout-tax">
      <td>{label}</td>
      <td style={right}>{money(t.amount, currency)}</td>
    </tr>
  )
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
        <TaxRow s={s} currency={price.currency} />
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
        {asksAddress(s) ? (
          <AddressFields s={s} form={form} own={(s.customer && ctx.store.find<Stripe.Customer>(s.customer as string)?.address) || null} />
        ) : (
          <>
            <label for="country">Country or region</label>
            <select id="country" name="country">
              {COUNTRIES.slice(0, 4).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </>
        )}
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

/** Billing address (what Stripe Tax places the customer by) and, with tax_id_collection, the business's VAT number. */
function AddressFields({ s, form, own }: { s: Session; form: Record<string, unknown>; own: Stripe.Address | null }) {
  const v = (k: string, fallback?: string | null) => String(form[k] ?? fallback ?? "")
  const subject = s._tax_subject?.address ?? own
  const country = v("country", subject?.country ?? "US")
  return (
    <fieldset>
      <legend>Billing address</legend>
      <label for="country">Country or region</label>
      <select id="country" name="country">
        {COUNTRIES.map(([code, label]) => (
          <option key={code} value={code} selected={code === country}>
            {label}
          </option>
        ))}
      </select>
      <label for="address_line1">Address</label>
      <input id="address_line1" name="address_line1" autocomplete="address-line1" value={v("address_line1", subject?.line1)} />
      <label for="address_city">City</label>
      <input id="address_city" name="address_city" autocomplete="address-level2" value={v("address_city", subject?.city)} />
      <label for="address_postal_code">Postal code</label>
      <input
        id="address_postal_code"
        name="address_postal_code"
        autocomplete="postal-code"
        value={v("address_postal_code", subject?.postal_code)}
      />
      <label for="address_state">State (US)</label>
      <input id="address_state" name="address_state" autocomplete="address-level1" value={v("address_state", subject?.state)} />
      {s.tax_id_collection?.enabled ? (
        <>
          <label for="business_name">Business name (if purchasing as a business)</label>
          <input id="business_name" name="business_name" autocomplete="organization" value={v("business_name")} />
          <label for="tax_id">VAT number</label>
          <input id="tax_id" name="tax_id" autocomplete="off" placeholder="DE123456789" value={v("tax_id")} />
        </>
      ) : null}
      {s.automatic_tax.enabled ? (
        <button class="secondary" type="submit" name="tax_action" value="calculate" formnovalidate>
          Update total
        </button>
      ) : null}
    </fieldset>
  )
}
