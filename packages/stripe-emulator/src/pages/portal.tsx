/** @jsxImportSource preact */
// The hosted Customer Portal, honouring the session's configuration: subscription overview, plan
// switch, cancel at period end (with reasons) and renew, payment method, billing details, invoices.
// flow_data deep links open straight on their step and finish as after_completion says.
import type Stripe from "stripe"
import { attachPaymentMethod, createPaymentMethod, createTaxId, routes, updateCustomer, type Handler } from "../api"
import { enteredTaxId } from "../resources/checkout"
import { taxIdsOf } from "../tax"
import { changeItem } from "../billing"
import { applyToSubscription, DiscountRefused, resolveDiscount } from "../discounts"
import { customerMessage, findPromotionCode } from "./checkout-discount"
import { atCustomerTime } from "../resources/test-clocks"
import { StripeApiError } from "../errors"
import { retryOpenInvoices } from "../invoices"
import { page, readCard } from "./layout"
import {
  allowedPrices,
  cancelPage,
  confirmPage,
  customerPage,
  home,
  offerPage,
  paymentMethodPage,
  retentionCoupon,
  chosenQuantity,
  promotionCodesAllowed,
  REASONS,
  requireFeature,
  shell,
  updatePage,
  type Config,
  type Ctx2,
  type PortalSession,
  type Sub,
} from "./portal-views"
import type { PageRequest, PageResult } from "./types"

export function portalPage(r: PageRequest, id: string, step: string): PageResult {
  const session = r.ctx.store.find<PortalSession>(id)
  const customer = session?.object === "billing_portal.session" ? r.ctx.store.find<Stripe.Customer>(session.customer) : undefined
  // A customer on a test clock uses the portal at the clock's time, as with the API.
  return customer ? atCustomerTime(r.ctx, customer, () => portalAt(r, id, step)) : portalAt(r, id, step)
}

function portalAt(r: PageRequest, id: string, step: string): PageResult {
  const session = r.ctx.store.find<PortalSession>(id)
  if (!session || session.object !== "billing_portal.session")
    return {
      status: 404,
      html: page(
        "Billing",
        <>
          <h1>This link has expired</h1>
          <p>Ask the site you came from for a new link to manage your billing.</p>
        </>,
      ),
    }
  const config = r.ctx.store.get<Config>(session.configuration as string, "billing portal configuration", "billing_portal.configuration")
  const customer = r.ctx.store.get<Stripe.Customer>(session.customer, "customer")
  const p: Ctx2 = { ctx: r.ctx, session, config, customer, base: `/p/session/${id}` }
  const sub = (subId = String(r.url.searchParams.get("subscription") ?? r.form.subscription ?? "")) => {
    const s = r.ctx.store.find<Sub>(subId)
    if (!s || s.object !== "subscription" || s.customer !== customer.id)
      throw new StripeApiError(404, "invalid_request_error", "That subscription could not be found.")
    return s
  }
  try {
    switch (`${r.method} ${step}`) {
      case "GET ":
        if (session.flow && !session._flow_done) return { redirect: flowStart(p) }
        return { redirect: `${p.base}/home` }
      case "GET home":
        return { html: home(p, r.url.searchParams.get("done")) }
      case "GET update":
        return { html: updatePage(p, sub()) }
      case "GET confirm":
        return { html: confirmPage(p, sub(), String(r.url.searchParams.get("price")), Number(r.url.searchParams.get("quantity") ?? 0)) }
      case "POST confirm": {
        const s = sub()
        requireFeature(config.features.subscription_update.enabled)
        const price = allowedPrices(p).find((x) => x.id === r.form.price)
        if (!price) throw new StripeApiError(400, "invalid_request_error", "That plan is not available.")
        const quantity = chosenQuantity(p, s, price, Number(r.form.quantity) || 0)
        const code = String(r.form.promotion_code ?? "").trim()
        if (code) {
          // The code is checked against the plan being confirmed and replaces the subscription's discount;
          // prorations then carry it.
          requireFeature(promotionCodesAllowed(p))
          const refused = (error: string) => ({ status: 400, html: confirmPage(p, s, price.id, quantity, { code, error }) })
          const found = findPromotionCode(r.ctx, code)
          if (!found) return refused(customerMessage("unknown"))
          const order = {
            products: [price.product as string],
            amount: (price.unit_amount ?? 0) * quantity,
            currency: price.currency,
            customer: customer.id,
          }
          try {
            applyToSubscription(r.ctx, s, resolveDiscount(r.ctx, { promotion_code: found.id }, order))
          } catch (err) {
            if (err instanceof DiscountRefused) return refused(customerMessage(err.reason))
            throw err
          }
        }
        changeItem(r.ctx, s, { price, quantity, proration: config.features.subscription_update.proration_behavior as "none" })
        return finish(p, "updated")
      }
      case "GET offer": {
        const coupon = retentionCoupon(p)
        if (!coupon) return { redirect: `${p.base}/cancel?subscription=${sub().id}` }
        return { html: offerPage(p, sub(), coupon) }
      }
      case "POST offer": {
        // Accepted: the offered coupon becomes the subscription's discount, through the API's own update.
        const coupon = retentionCoupon(p)
        if (!coupon) throw new StripeApiError(400, "invalid_request_error", "This offer is no longer available.")
        const s = sub()
        route("POST /v1/subscriptions/:id")(r.ctx, { discounts: [{ coupon: coupon.id }] }, { id: s.id })
        session._offer_answered = true
        r.ctx.store.put(session)
        return finish(p, "offer_accepted")
      }
      case "GET cancel":
        // Declining the offer (the link from the offer screen) answers it: it is not shown again in this session.
        if (r.url.searchParams.get("declined") && retentionCoupon(p)) {
          session._offer_answered = true
          r.ctx.store.put(session)
        }
        return { html: cancelPage(p, sub()) }
      case "POST cancel": {
        const s = sub()
        requireFeature(config.features.subscription_cancel.enabled)
        const reason = String(r.form.reason ?? "")
        const details = {
          ...(REASONS[reason] ? { feedback: reason } : {}),
          ...(r.form.comment ? { comment: String(r.form.comment).slice(0, 500) } : {}),
        }
        if (config.features.subscription_cancel.mode === "immediately")
          route("DELETE /v1/subscriptions/:id")(r.ctx, Object.keys(details).length ? { cancellation_details: details } : {}, { id: s.id })
        else
          route("POST /v1/subscriptions/:id")(
            r.ctx,
            { cancel_at_period_end: "true", ...(Object.keys(details).length ? { cancellation_details: details } : {}) },
            { id: s.id },
          )
        return finish(p, "canceled")
      }
      case "POST renew":
        route("POST /v1/subscriptions/:id")(r.ctx, { cancel_at_period_end: "false" }, { id: sub().id })
        return { redirect: `${p.base}/home?done=renewed` }
      case "GET payment-method":
        return { html: paymentMethodPage(p) }
      case "POST payment-method": {
        requireFeature(config.features.payment_method_update.enabled)
        try {
          const pm = createPaymentMethod(r.ctx, readCard(r.form), { name: String(r.form.name ?? "") || null })
          attachPaymentMethod(r.ctx, pm, customer)
          updateCustomer(r.ctx, customer, { invoice_settings: { default_payment_method: pm.id } })
          for (const s of r.ctx.store.all<Sub>(
            "subscription",
            (x) => x.customer === customer.id && !["canceled", "incomplete_expired"].includes(x.status),
          ))
            if (s.default_payment_method) route("POST /v1/subscriptions/:id")(r.ctx, { default_payment_method: pm.id }, { id: s.id })
          retryOpenInvoices(r.ctx, customer.id)
        } catch (err) {
          if (err instanceof StripeApiError && err.type === "card_error") return { status: 402, html: paymentMethodPage(p, err.message) }
          throw err
        }
        return finish(p, "payment_method")
      }
      case "GET customer":
        return { html: customerPage(p) }
      case "POST customer": {
        requireFeature(config.features.customer_update.enabled)
        const allowed = config.features.customer_update.allowed_updates
        const f = r.form
        const addr = (prefix: string) => ({
          line1: String(f[`${prefix}line1`] ?? ""),
          line2: String(f[`${prefix}line2`] ?? ""),
          city: String(f[`${prefix}city`] ?? ""),
          state: String(f[`${prefix}state`] ?? ""),
          postal_code: String(f[`${prefix}postal_code`] ?? ""),
          country: String(f[`${prefix}country`] ?? ""),
        })
        const email = String(f.email ?? "").trim()
        if (allowed.includes("email") && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
          return { status: 400, html: customerPage(p, "Enter a valid email address.") }
        // Tax ID: the VAT number entered replaces the one on file (checked as customers.createTaxId does); empty removes it.
        if (allowed.includes("tax_id") && f.tax_id !== undefined) {
          const entered = enteredTaxId(String(f.tax_id))
          const current = taxIdsOf(r.ctx, customer.id)
          if (entered && !current.some((t) => t.value === entered.value)) {
            try {
              createTaxId(r.ctx, customer, entered.type, entered.value, "tax_id")
            } catch (err) {
              if (!(err instanceof StripeApiError)) throw err
              return { status: 400, html: customerPage(p, "Enter a valid VAT number, such as DE123456789.") }
            }
          }
          for (const t of current)
            if (t.value !== entered?.value) {
              ;(t as unknown as { deleted: boolean }).deleted = true
              r.ctx.store.put(t)
              r.ctx.emit("customer.tax_id.deleted", t)
            }
        }
        updateCustomer(r.ctx, customer, {
          ...(allowed.includes("email") ? { email } : {}),
          ...(allowed.includes("name") ? { name: String(f.name ?? "") } : {}),
          ...(allowed.includes("address") ? { address: addr("") } : {}),
          ...(allowed.includes("shipping") && f.ship_line1
            ? { shipping: { name: String(f.ship_name || customer.name || email), address: addr("ship_") } }
            : {}),
          ...(allowed.includes("phone") ? { phone: String(f.phone ?? "") } : {}),
        })
        return finish(p, "customer")
      }
      default:
        return {
          status: 404,
          html: page(
            "Billing",
            <>
              <h1>Page not found</h1>
              <p>
                <a href={`${p.base}/home`}>Back to billing</a>
              </p>
            </>,
          ),
        }
    }
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err
    return {
      status: err.status,
      html: shell(
        p,
        "Billing",
        <>
          <div class="alert" role="alert">
            {err.message}
          </div>
          <p>
            <a href={`${p.base}/home`}>Back to billing</a>
          </p>
        </>,
      ),
    }
  }
}

/** The API's own handler, so the hosted portal changes objects exactly as the API would. */
function route(key: string) {
  const handler = routes[key]
  if (!handler) throw new Error(`no route ${key}`)
  return (ctx: Parameters<Handler>[0], params: Parameters<Handler>[1], path: { id: string }) =>
    handler(ctx, params, { product: "", ...path })
}

function flowStart(p: Ctx2) {
  const f = p.session.flow
  if (!f) return `${p.base}/home`
  if (f.type === "payment_method_update") return `${p.base}/payment-method`
  if (f.type === "subscription_cancel")
    return `${p.base}/${retentionCoupon(p) ? "offer" : "cancel"}?subscription=${f.subscription_cancel?.subscription ?? ""}`
  return `${p.base}/update?subscription=${f.subscription_update?.subscription ?? f.subscription_update_confirm?.subscription}`
}

/** Where to go after a completed step: a deep link's after_completion, or the portal home. */
function finish(p: Ctx2, done: string): PageResult {
  const flow = p.session.flow
  if (flow && !p.session._flow_done) {
    p.session._flow_done = true
    p.ctx.store.put(p.session)
    if (flow.after_completion.type === "redirect" && flow.after_completion.redirect)
      return { redirect: flow.after_completion.redirect.return_url }
  }
  return { redirect: `${p.base}/home?done=${done}` }
}
