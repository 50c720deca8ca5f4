/** @jsxImportSource preact */
// The Customer Portal's screens (JSX only); portal.tsx routes requests and performs the actions.
import type { ComponentChildren } from "preact"
import type Stripe from "stripe"
import { taxIdsOf } from "../tax"
import { periodEnd, productName } from "../billing"
import type { Ctx } from "../context"
import { StripeApiError } from "../errors"
import { couponOf, liveDiscounts } from "../discounts"
import { couponTerms } from "./checkout-discount"
import { changePreview, upcomingInvoice } from "../resources/invoice-preview"
import { Brand, CardFields, date, money, page } from "./layout"

export type Config = Stripe.BillingPortal.Configuration
export type Sub = Stripe.Subscription
export type PortalSession = Stripe.BillingPortal.Session & { _flow_done?: boolean; _offer_answered?: boolean }

/** The coupon a cancel flow offers before the customer confirms (flow_data.subscription_cancel.retention), if any. */
export function retentionCoupon(p: Ctx2): Stripe.Coupon | null {
  const id = p.session.flow?.subscription_cancel?.retention?.coupon_offer?.coupon
  const c = id ? p.ctx.store.find<Stripe.Coupon>(id) : undefined
  return c && c.object === "coupon" && !p.session._offer_answered ? c : null
}

/** The retention offer's screen: the coupon's terms and what the plan costs with it; accept, or go on cancelling. */
export function offerPage(p: Ctx2, s: Sub, coupon: Stripe.Coupon) {
  const it = s.items.data[0]
  const full = (it?.price.unit_amount ?? 0) * (it?.quantity ?? 1)
  const off = coupon.percent_off != null ? Math.round((full * coupon.percent_off) / 100) : Math.min(full, coupon.amount_off ?? 0)
  return shell(
    p,
    "Before you go",
    <>
      <h1>Before you go</h1>
      <div class="card" data-testid="retention-offer">
        <p>
          <strong>{coupon.name ?? "A discount"}</strong>: {couponTerms(coupon)}.
        </p>
        <p>
          Stay and pay {money(full - off, s.currency)} instead of {money(full, s.currency)} per {it?.price.recurring?.interval ?? "period"}.
        </p>
        <form method="post" action="offer">
          <input type="hidden" name="subscription" value={s.id} />
          <button class="primary" type="submit">
            Accept offer
          </button>
        </form>
        <p>
          <a href={`cancel?subscription=${s.id}&declined=1`}>No thanks, continue cancelling</a>
        </p>
      </div>
    </>,
  )
}

export const REASONS: Record<string, string> = {
  too_expensive: "It's too expensive",
  missing_features: "Some features are missing",
  switched_service: "I'm switching to a different service",
  unused: "I don't use the service enough",
  customer_service: "Customer service was less than expected",
  too_complex: "Ease of use was less than expected",
  low_quality: "Quality was less than expected",
  other: "Other reason",
}
export const NOTICES: Record<string, string> = {
  canceled: "Your subscription has been canceled. It stays active until the end of the billing period.",
  renewed: "Your subscription has been renewed.",
  updated: "Your plan has been updated.",
  payment_method: "Your payment method has been updated.",
  customer: "Your billing information has been updated.",
}
export const STATUS_BADGE: Record<string, [string, string]> = {
  active: ["ok", "Active"],
  trialing: ["ok", "Trial"],
  past_due: ["bad", "Past due"],
  unpaid: ["bad", "Unpaid"],
  incomplete: ["warn", "Incomplete"],
  canceled: ["", "Canceled"],
  incomplete_expired: ["", "Expired"],
  paused: ["warn", "Paused"],
}

export type Ctx2 = { ctx: Ctx; session: PortalSession; config: Config; customer: Stripe.Customer; base: string }

export function requireFeature(enabled: boolean) {
  if (!enabled) throw new StripeApiError(403, "invalid_request_error", "This action is not available in this portal.")
}

export function Side({ p }: { p: Ctx2 }) {
  const bp = p.config.business_profile
  return (
    <>
      <Brand branding={p.ctx.branding} />
      {bp.headline ? <p>{bp.headline}</p> : null}
      {p.session.return_url ? (
        <p>
          <a class="btn secondary" href={p.session.return_url} data-testid="portal-return">
            ← Return to {p.ctx.branding.accountName}
          </a>
        </p>
      ) : null}
      <footer>
        {bp.terms_of_service_url ? <a href={bp.terms_of_service_url}>Terms</a> : null}
        {bp.privacy_policy_url ? <a href={bp.privacy_policy_url}>Privacy</a> : null}
        <span class="muted">Powered by the Stripe emulator</span>
      </footer>
    </>
  )
}

/** A portal screen: the page with the portal's side column. */
export const shell = (p: Ctx2, title: string, body: ComponentChildren) =>
  page(title, body, { side: <Side p={p} />, branding: p.ctx.branding })

function firstItem(s: Sub) {
  const it = s.items.data[0]
  if (!it) throw new Error(`subscription ${s.id} has no items`)
  return it
}

function describe(ctx: Ctx, s: Sub) {
  const it = firstItem(s)
  const per = `${money((it.price.unit_amount ?? 0) * (it.quantity ?? 1), it.price.currency)} per ${it.price.recurring?.interval}`
  return { name: productName(ctx, it.price), per, quantity: it.quantity ?? 1 }
}

/** Whether customers may redeem a code when updating (`default_allowed_updates` has "promotion_code"). */
export const promotionCodesAllowed = (p: Ctx2) =>
  (p.config.features.subscription_update.default_allowed_updates as string[]).includes("promotion_code")

/** "WELCOME20 · 20% off · for 3 months (until …)": the subscription's discount as the portal shows it. */
function discountText(ctx: Ctx, s: Sub): string | null {
  const d = liveDiscounts(ctx, s, ctx.store.now())[0]
  const coupon = d ? couponOf(ctx, d) : undefined
  if (!d || !coupon) return null
  const promo = d.promotion_code ? ctx.store.find<Stripe.PromotionCode>(d.promotion_code as string) : undefined
  return `${promo?.code ?? coupon.name ?? coupon.id} · ${couponTerms(coupon)}${d.end ? ` (until ${date(d.end)})` : ""}`
}

/** When the next invoice is made: the schedule's next phase start, else the period's end. */
function nextAt(ctx: Ctx, s: Sub): number {
  const schedule = ctx.store.find<Stripe.SubscriptionSchedule>(typeof s.schedule === "string" ? s.schedule : (s.schedule?.id ?? null))
  const phase = schedule?.phases.find((ph) => ph.start_date > ctx.store.now())
  return Math.min(phase?.start_date ?? Number.POSITIVE_INFINITY, periodEnd(s))
}

function SubscriptionCard({ p, s }: { p: Ctx2; s: Sub }) {
  const d = describe(p.ctx, s)
  const discount = discountText(p.ctx, s)
  // What Stripe charges next, from the one preview the API answers too (resources/invoice-preview.ts).
  const next = s.status === "trialing" || s.status === "active" ? upcomingInvoice(p.ctx, s) : null
  const [tone, label] = STATUS_BADGE[s.status] ?? ["", s.status]
  const ended = s.status === "canceled" || s.status === "incomplete_expired"
  const f = p.config.features
  const q = `?subscription=${s.id}`
  const when = ended
    ? `Ended on ${date(s.ended_at)}`
    : s.cancel_at
      ? `Your plan will be canceled on ${date(s.cancel_at)}`
      : s.status === "trialing"
        ? `Trial ends ${date(s.trial_end)}`
        : `Your plan renews on ${date(periodEnd(s))}`
  return (
    <div class="card" data-testid="portal-subscription">
      <div style="display:flex;justify-content:space-between;gap:10px">
        <strong>
          {d.name}
          {d.quantity > 1 ? ` · ${d.quantity} seats` : null}
        </strong>
        <span class={`badge ${tone}`}>{s.cancel_at_period_end && !ended ? "Cancels soon" : label}</span>
      </div>
      <div class="price" style="font-size:24px">
        {d.per}
      </div>
      {discount ? (
        <p data-testid="portal-discount">
          <span class="badge ok">{discount}</span>
        </p>
      ) : null}
      <p class="muted">{when}</p>
      {next ? (
        <p data-testid="portal-next-invoice">
          Next invoice: {money(next.amount_due, next.currency)} on {date(s.status === "trialing" ? s.trial_end : nextAt(p.ctx, s))}
        </p>
      ) : null}
      {s.status === "past_due" || s.status === "unpaid" ? (
        <div class="alert" role="alert">
          Your last payment failed. Update your payment method to keep your subscription.
        </div>
      ) : null}
      {ended ? null : (
        <div class="actions">
          {f.subscription_update.enabled && !s.cancel_at ? (
            <a class="btn secondary" href={`update${q}`}>
              Update subscription
            </a>
          ) : null}
          {s.cancel_at_period_end ? (
            <form method="post" action={`renew${q}`}>
              <button class="secondary" type="submit">
                Renew subscription
              </button>
            </form>
          ) : f.subscription_cancel.enabled ? (
            <a class="btn secondary" href={`cancel${q}`}>
              Cancel subscription
            </a>
          ) : null}
        </div>
      )}
    </div>
  )
}

export function home(p: Ctx2, done: string | null) {
  const { ctx, customer, config } = p
  const subs = ctx.store.all<Sub>("subscription", (s) => s.customer === customer.id).sort((a, b) => b.created - a.created)
  const live = subs.filter((s) => !["canceled", "incomplete_expired"].includes(s.status))
  const pm = ctx.store.find<Stripe.PaymentMethod>(customer.invoice_settings.default_payment_method as string)
  const invoices = ctx.store
    .all<Stripe.Invoice>("invoice", (i) => i.customer === customer.id && i.status !== "draft")
    .sort((a, b) => b.created - a.created)
  const f = config.features
  const a = customer.address
  const invoiceStatus = (i: Stripe.Invoice) => (i.status === "paid" ? "Paid" : i.status === "open" ? "Open" : i.status)
  return shell(
    p,
    "Billing",
    <>
      {done && NOTICES[done] ? (
        <div class="notice" role="status">
          {NOTICES[done]}
        </div>
      ) : null}
      <h2 id="h-sub">Current subscription</h2>
      {live.length ? (
        live.map((s) => <SubscriptionCard key={s.id} p={p} s={s} />)
      ) : (
        <div class="card">
          <p>You have no active subscription.</p>
          {subs[0] ? <SubscriptionCard p={p} s={subs[0]} /> : null}
        </div>
      )}
      {f.payment_method_update.enabled ? (
        <>
          <h2>Payment method</h2>
          <div class="card" data-testid="portal-payment-method">
            {pm?.card ? (
              <p>
                <strong>
                  {pm.card.brand.toUpperCase()} •••• {pm.card.last4}
                </strong>{" "}
                <span class="muted">
                  Expires {String(pm.card.exp_month).padStart(2, "0")}/{pm.card.exp_year}
                </span>{" "}
                <span class="badge">Default</span>
              </p>
            ) : (
              <p class="muted">No payment method on file.</p>
            )}
            <a class="btn secondary" href="payment-method">
              {pm ? "Update payment method" : "Add payment method"}
            </a>
          </div>
        </>
      ) : null}
      {f.customer_update.enabled ? (
        <>
          <h2>Billing information</h2>
          <div class="card" data-testid="portal-billing-info">
            <p>
              {customer.name ?? ""}
              <br />
              {customer.email ?? ""}
              {a?.line1 ? (
                <>
                  <br />
                  {a.line1}
                  {a.line2 ? `, ${a.line2}` : null}
                  <br />
                  {a.postal_code} {a.city}
                  {a.state ? `, ${a.state}` : null} {a.country}
                </>
              ) : null}
            </p>
            <a class="btn secondary" href="customer">
              Update information
            </a>
          </div>
        </>
      ) : null}
      {f.invoice_history.enabled ? (
        <>
          <h2>Invoice history</h2>
          <div class="card">
            <table aria-label="Invoice history" data-testid="portal-invoices">
              <tr>
                <th>Date</th>
                <th>Amount</th>
                <th>Status</th>
                <th>Invoice</th>
              </tr>
              {invoices.length ? (
                invoices.map((i) => (
                  <tr key={i.id}>
                    <td>{date(i.created)}</td>
                    <td>{money(i.total, i.currency)}</td>
                    <td>
                      <span class={`badge ${i.status === "paid" ? "ok" : "warn"}`}>{invoiceStatus(i)}</span>
                    </td>
                    <td>
                      <a href={i.hosted_invoice_url ?? ""}>View</a> · <a href={i.invoice_pdf ?? ""}>PDF</a>
                    </td>
                  </tr>
                ))
              ) : (
                <tr>
                  <td colSpan={4} class="muted">
                    No invoices yet.
                  </td>
                </tr>
              )}
            </table>
          </div>
        </>
      ) : null}
    </>,
  )
}

export function allowedPrices(p: Ctx2): Stripe.Price[] {
  const products = (p.config.features.subscription_update as { products?: { product: string; prices: string[] }[] }).products ?? []
  return products.flatMap((pr) =>
    pr.prices.map((id) => p.ctx.store.find<Stripe.Price>(id)).filter((x): x is Stripe.Price => !!x && x.active),
  )
}
type QuantityRule = { enabled: boolean; minimum: number; maximum: number }
type ProductRule = { product: string; adjustable_quantity?: { enabled: boolean; minimum: number; maximum: number | null } }

/**
 * Whether the customer may choose the quantity of `price`'s product, and within what range: the
 * product's `adjustable_quantity` in the configuration (unbounded when it has no maximum), and only when the
 * configuration allows quantity updates at all (`default_allowed_updates` has "quantity").
 */
export function quantityRule(p: Ctx2, price: Stripe.Price): QuantityRule {
  const su = p.config.features.subscription_update
  const allowed = (su.default_allowed_updates as string[]).includes("quantity")
  const rule = ((su as { products?: ProductRule[] }).products ?? []).find((x) => x.product === price.product)?.adjustable_quantity
  if (!allowed || !rule?.enabled) return { enabled: false, minimum: 1, maximum: 1 }
  return { enabled: true, minimum: Math.max(1, rule.minimum), maximum: rule.maximum ?? Number.MAX_SAFE_INTEGER }
}

const seatsText = (name: string, r: QuantityRule) =>
  `${name}: ${r.maximum === Number.MAX_SAFE_INTEGER ? `${r.minimum} or more` : `${r.minimum}–${r.maximum}`} seats`

function seatRange(p: Ctx2, prices: Stripe.Price[]): [number, number] | null {
  const rules = prices.map((pr) => quantityRule(p, pr)).filter((r) => r.enabled)
  if (!rules.length) return null
  return [Math.min(...rules.map((r) => r.minimum)), Math.max(...rules.map((r) => r.maximum))]
}

/** The quantity a portal update ends with: the customer's choice within the product's range, else fixed. */
export function chosenQuantity(p: Ctx2, s: Sub, price: Stripe.Price, wanted: number): number {
  const rule = quantityRule(p, price)
  const it = s.items.data[0]
  const current = it?.quantity ?? 1
  if (!rule.enabled) return it?.price.product === price.product ? current : 1
  const q = wanted > 0 ? wanted : current
  if (q < rule.minimum || q > rule.maximum)
    throw new StripeApiError(400, "invalid_request_error", `Choose between ${rule.minimum} and ${rule.maximum} seats for this plan.`)
  return q
}

export function updatePage(p: Ctx2, s: Sub) {
  requireFeature(p.config.features.subscription_update.enabled)
  const it = firstItem(s)
  const prices = allowedPrices(p)
  const range = seatRange(p, prices)
  const hint =
    prices
      .filter((pr) => quantityRule(p, pr).enabled)
      .map((pr) => seatsText(productName(p.ctx, pr), quantityRule(p, pr)))
      .filter((v, i, a) => a.indexOf(v) === i)
      .join(" · ") + (prices.some((pr) => !quantityRule(p, pr).enabled) ? " · other plans: 1" : "")
  return shell(
    p,
    "Update your plan",
    <>
      <h1>Update your plan</h1>
      <form method="get" action="confirm">
        <input type="hidden" name="subscription" value={s.id} />
        <fieldset>
          <legend class="muted">Choose a plan</legend>
          {prices.map((pr) => (
            <label key={pr.id} class="choice">
              <input type="radio" name="price" value={pr.id} checked={pr.id === it.price.id} required />
              <span>
                <strong>{productName(p.ctx, pr)}</strong> · {money(pr.unit_amount ?? 0, pr.currency)} per {pr.recurring?.interval}
                {pr.id === it.price.id ? (
                  <>
                    {" "}
                    <span class="badge">Current plan</span>
                  </>
                ) : null}
              </span>
            </label>
          ))}
        </fieldset>
        {range ? (
          <>
            <label for="quantity">Quantity (seats)</label>
            <input
              id="quantity"
              name="quantity"
              type="number"
              min={String(range[0])}
              max={String(range[1])}
              value={String(it.quantity ?? 1)}
              aria-describedby="quantity-hint"
            />
            <p id="quantity-hint" class="muted small">
              {hint}
            </p>
          </>
        ) : null}
        <button class="primary" type="submit">
          Continue
        </button>
      </form>
      <p>
        <a href="home">Cancel</a>
      </p>
    </>,
  )
}

/** A preview the API would refuse (the same change refused on confirm) states no amount. */
function previewOrNull(run: () => Stripe.Invoice): Stripe.Invoice | null {
  try {
    return run()
  } catch (err) {
    if (err instanceof StripeApiError) return null
    throw err
  }
}

export function confirmPage(p: Ctx2, s: Sub, priceId: string, quantity: number, promo: { code: string; error: string } | null = null) {
  const price = allowedPrices(p).find((x) => x.id === priceId)
  if (!price) throw new StripeApiError(400, "invalid_request_error", "That plan is not available.")
  const qty = chosenQuantity(p, s, price, quantity)
  const newTotal = (price.unit_amount ?? 0) * qty
  const current = describe(p.ctx, s)
  // What the update charges, from the preview the API answers (discounts, seats, tax, prorations).
  const proration = p.config.features.subscription_update.proration_behavior as "create_prorations" | "always_invoice" | "none"
  const change = previewOrNull(() => changePreview(p.ctx, s, price.id, qty, proration))
  return shell(
    p,
    "Confirm your update",
    <>
      <h1>Confirm your update</h1>
      <div class="card">
        <p class="muted">
          Current: {current.name} · {current.per}
        </p>
        <p>
          <strong>
            New: {productName(p.ctx, price)}
            {qty > 1 ? ` · ${qty} seats` : null}
          </strong>{" "}
          · {money(newTotal, price.currency)} per {price.recurring?.interval}
        </p>
        {change ? (
          <p data-testid="portal-update-amount">
            {proration === "always_invoice"
              ? `Amount due today: ${money(Math.max(0, change.amount_due), change.currency)}${
                  // Fewer seats or a cheaper price: the credit invoice's total goes to the balance (balance.ts).
                  change.total < 0
                    ? `. A credit of ${money(-change.total, change.currency)} goes to your balance for your next invoices.`
                    : ""
                }`
              : `Next invoice: ${money(change.amount_due, change.currency)}`}
          </p>
        ) : null}
        <p class="muted small">
          {p.config.features.subscription_update.proration_behavior === "none"
            ? "The new price applies from your next billing date."
            : "You will be charged or credited for the difference, prorated for the rest of this billing period."}
        </p>
        <form method="post" action="confirm">
          <input type="hidden" name="subscription" value={s.id} />
          <input type="hidden" name="price" value={price.id} />
          <input type="hidden" name="quantity" value={String(qty)} />
          {promotionCodesAllowed(p) ? (
            <>
              <label for="promotion_code">
                Add promotion code <span class="muted small">(optional)</span>
              </label>
              <input
                id="promotion_code"
                name="promotion_code"
                autocomplete="off"
                value={promo?.code ?? ""}
                aria-invalid={promo ? "true" : undefined}
                aria-describedby={promo ? "promo-error" : undefined}
              />
              {promo ? (
                <div class="alert" role="alert" id="promo-error" data-testid="promo-error">
                  {promo.error}
                </div>
              ) : null}
            </>
          ) : null}
          <button class="primary" type="submit">
            Confirm
          </button>
        </form>
      </div>
      <p>
        <a href="home">Go back</a>
      </p>
    </>,
  )
}

export function cancelPage(p: Ctx2, s: Sub) {
  requireFeature(p.config.features.subscription_cancel.enabled)
  const c = p.config.features.subscription_cancel
  const atEnd = c.mode === "at_period_end"
  return shell(
    p,
    "Cancel your plan",
    <>
      <h1>Cancel your plan</h1>
      <form method="post" action="cancel">
        <input type="hidden" name="subscription" value={s.id} />
        <div class="card">
          <p>
            {atEnd ? (
              <>
                Your subscription will be canceled, but is still available until the end of your billing period on{" "}
                <strong>{date(periodEnd(s))}</strong>.
              </>
            ) : (
              "Your subscription will be canceled immediately."
            )}
          </p>
          <p class="muted small">If you change your mind, you can renew your subscription{atEnd ? " before then" : ""}.</p>
          {c.cancellation_reason.enabled ? (
            <>
              <fieldset>
                <legend>
                  <strong>{"Tell us why you're canceling"}</strong> <span class="muted small">(optional)</span>
                </legend>
                {c.cancellation_reason.options.map((o) => (
                  <label key={o} class="choice">
                    <input type="radio" name="reason" value={o} /> {REASONS[o] ?? o}
                  </label>
                ))}
              </fieldset>
              <label for="comment">
                Anything else? <span class="muted">(optional)</span>
              </label>
              <textarea id="comment" name="comment" rows={3}></textarea>
            </>
          ) : null}
          <button class="primary danger" type="submit">
            Cancel plan
          </button>
        </div>
      </form>
      <p>
        <a href="home">Go back</a>
      </p>
    </>,
  )
}

export function paymentMethodPage(p: Ctx2, error?: string) {
  requireFeature(p.config.features.payment_method_update.enabled)
  return shell(
    p,
    "Add payment method",
    <>
      <h1>Add payment method</h1>
      <form method="post" action="payment-method" novalidate>
        <div class="card">
          <CardFields error={error} />
          <label for="name">Name on card</label>
          <input id="name" name="name" autocomplete="cc-name" />
          <p class="muted small">
            This card becomes the default for your subscription and future invoices. Any amount due is retried on it at once.
          </p>
          <button class="primary" type="submit">
            Add
          </button>
        </div>
      </form>
      <p>
        <a href="home">Cancel</a>
      </p>
    </>,
  )
}

type FieldProps = { id: string; label: string; value: string | null | undefined; auto?: string }
const Field = ({ id, label, value, auto = "" }: FieldProps) => (
  <>
    <label for={id}>{label}</label>
    <input id={id} name={id} value={value ?? ""} autocomplete={auto} />
  </>
)

export function customerPage(p: Ctx2, error?: string) {
  requireFeature(p.config.features.customer_update.enabled)
  const allowed = p.config.features.customer_update.allowed_updates
  const c = p.customer
  const taxIds = taxIdsOf(p.ctx, c.id)
  const a = c.address
  const s = c.shipping?.address
  return shell(
    p,
    "Billing information",
    <>
      <h1>Update billing information</h1>
      {error ? (
        <div class="alert" role="alert">
          {error}
        </div>
      ) : null}
      <form method="post" action="customer">
        <div class="card">
          {allowed.includes("name") ? <Field id="name" label="Name" value={c.name} auto="name" /> : null}
          {allowed.includes("email") ? (
            <>
              <label for="email">Email</label>
              <input id="email" name="email" type="email" required value={c.email ?? ""} autocomplete="email" />
            </>
          ) : null}
          {allowed.includes("phone") ? <Field id="phone" label="Phone" value={c.phone} auto="tel" /> : null}
          {allowed.includes("address") ? (
            <>
              <h2>Billing address</h2>
              <Field id="line1" label="Address line 1" value={a?.line1} auto="address-line1" />
              <Field id="line2" label="Address line 2" value={a?.line2} auto="address-line2" />
              <div class="row">
                <div>
                  <Field id="city" label="City" value={a?.city} auto="address-level2" />
                </div>
                <div>
                  <Field id="postal_code" label="Postal code" value={a?.postal_code} auto="postal-code" />
                </div>
              </div>
              <div class="row">
                <div>
                  <Field id="state" label="State" value={a?.state} auto="address-level1" />
                </div>
                <div>
                  <Field id="country" label="Country" value={a?.country ?? "US"} auto="country" />
                </div>
              </div>
            </>
          ) : null}
          {allowed.includes("tax_id") ? (
            <>
              <h2>Tax ID</h2>
              {taxIds.length ? (
                <p data-testid="portal-tax-ids">
                  {taxIds.map((t) => (
                    <span key={t.id}>{t.value} </span>
                  ))}
                </p>
              ) : null}
              <Field id="tax_id" label="VAT number (replaces the one on file; empty removes it)" value={taxIds[0]?.value} />
            </>
          ) : null}
          {allowed.includes("shipping") ? (
            <>
              <h2>Shipping address</h2>
              <Field id="ship_name" label="Name" value={c.shipping?.name} />
              <Field id="ship_line1" label="Address line 1" value={s?.line1} />
              <Field id="ship_line2" label="Address line 2" value={s?.line2} />
              <div class="row">
                <div>
                  <Field id="ship_city" label="City" value={s?.city} />
                </div>
                <div>
                  <Field id="ship_postal_code" label="Postal code" value={s?.postal_code} />
                </div>
              </div>
              <div class="row">
                <div>
                  <Field id="ship_state" label="State" value={s?.state} />
                </div>
                <div>
                  <Field id="ship_country" label="Country" value={s?.country ?? "US"} />
                </div>
              </div>
            </>
          ) : null}
          <button class="primary" type="submit">
            Save
          </button>
        </div>
      </form>
      <p>
        <a href="home">Cancel</a>
      </p>
    </>,
  )
}
