// Checkout Sessions (the hosted page is pages/checkout.ts).
import type Stripe from "stripe"
import { productName, recurringPrice } from "../billing"
import type { Ctx } from "../context"
import { invalid } from "../errors"
import { fromDefaults } from "../defaults"
import { allow, bool, int, list, mergeMetadata, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { liveCustomer, type Handler, type StoredSession } from "./shared"

export const checkout: Record<string, Handler> = {
  "POST /v1/checkout/sessions": (ctx, p) => {
    allow(p, [
      "mode",
      "line_items",
      "customer",
      "customer_email",
      "client_reference_id",
      "metadata",
      "subscription_data",
      "allow_promotion_codes",
      "success_url",
      "cancel_url",
      "payment_method_types",
      "billing_address_collection",
      "customer_update",
      "locale",
      "expires_at",
      "ui_mode",
      "saved_payment_method_options",
      "consent_collection",
      "tax_id_collection",
    ])
    const mode = req(p, "mode")
    if (mode !== "subscription") throw invalid("mode", "Only mode=subscription is emulated.")
    const items = (list(p, "line_items") ?? []).map((raw, i) => {
      const li = raw as Params
      allow(li, ["price", "quantity", "adjustable_quantity"], `line_items[${i}]`)
      const price = recurringPrice(ctx, req(li, "price"), `line_items[${i}][price]`)
      const quantity = int(li, "quantity") ?? 1
      if (quantity < 1) throw invalid(`line_items[${i}][quantity]`, "Quantity must be at least 1.")
      return { price, quantity }
    })
    if (items.length !== 1) throw invalid("line_items", "The emulator supports subscriptions with exactly one line item.")
    const customerId = str(p, "customer")
    const customer = customerId ? liveCustomer(ctx, customerId, "customer") : undefined
    const email = str(p, "customer_email")
    if (customer && email) throw invalid("customer_email", "You may only specify one of these parameters: customer, customer_email.")
    const successUrl = req(p, "success_url")
    const sd = obj(p, "subscription_data") ?? {}
    allow(sd, ["metadata", "trial_period_days", "description", "trial_settings"], "subscription_data")
    const trial = int(sd, "trial_period_days")
    if (trial !== undefined && (trial < 1 || trial > 730))
      throw invalid("subscription_data[trial_period_days]", "trial_period_days must be between 1 and 730.")
    const [first] = items as [{ price: Stripe.Price; quantity: number }]
    const now = ctx.store.now()
    const id = ctx.store.id("cs_test", 58)
    const session = fromDefaults<StoredSession>("checkout.session", {
      id,
      object: "checkout.session",
      after_expiration: null,
      allow_promotion_codes: bool(p, "allow_promotion_codes") ?? null,
      amount_subtotal: (first.price.unit_amount ?? 0) * first.quantity,
      amount_total: trial ? 0 : (first.price.unit_amount ?? 0) * first.quantity,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 }, // no discounts, shipping or tax are modelled
      billing_address_collection: (str(p, "billing_address_collection") as "auto") ?? null,
      cancel_url: str(p, "cancel_url") ?? null,
      client_reference_id: str(p, "client_reference_id") ?? null,
      client_secret: null,
      created: now,
      currency: first.price.currency,
      customer: customer?.id ?? null,
      customer_creation: customer ? null : "always",
      customer_details: null,
      customer_email: email ?? null,
      expires_at: int(p, "expires_at") ?? now + 86_400,
      invoice: null,
      locale: null,
      metadata: mergeMetadata({}, p),
      mode: "subscription",
      payment_intent: null,
      payment_link: null,
      payment_method_types: ["card"],
      payment_status: "unpaid",
      status: "open",
      subscription: null,
      success_url: successUrl,
      ui_mode: "hosted_page",
      url: `${ctx.baseUrl}/c/pay/${id}`,
      _line_items: items.map((i) => ({ price: i.price.id, quantity: i.quantity })),
      _subscription_data: { metadata: mergeMetadata({}, sd), trial_period_days: trial, description: str(sd, "description") },
    } as Partial<StoredSession> & { id: string })
    return ctx.store.put(session)
  },
  "GET /v1/checkout/sessions/:id": (ctx, p, { id }) => {
    allow(p, [])
    const s = ctx.store.get<StoredSession>(id!, "checkout.session", "checkout.session")
    // line_items is not stored on the session: Stripe includes it only when expanded.
    const expand = Array.isArray(p.expand) ? p.expand.map(String) : []
    return expand.includes("line_items") ? { ...s, line_items: lineItems(ctx, s, {}) } : s
  },
  "GET /v1/checkout/sessions": (ctx, p) => {
    allow(p, [
      "subscription",
      "customer",
      "customer_details",
      "payment_intent",
      "payment_link",
      "status",
      "created",
      "limit",
      "starting_after",
      "ending_before",
    ])
    const sub = str(p, "subscription")
    const customer = str(p, "customer")
    return paginate(
      ctx.store.all<StoredSession>("checkout.session", (s) => (!sub || s.subscription === sub) && (!customer || s.customer === customer)),
      p,
      "/v1/checkout/sessions",
    )
  },
  "GET /v1/checkout/sessions/:id/line_items": (ctx, p, { id }) =>
    allow(p, ["limit", "starting_after", "ending_before"]) &&
    lineItems(ctx, ctx.store.get<StoredSession>(id!, "checkout.session", "checkout.session"), p),
  "POST /v1/checkout/sessions/:id/expire": (ctx, p, { id }) => {
    allow(p, [])
    const s = ctx.store.get<StoredSession>(id!, "checkout.session", "checkout.session")
    if (s.status !== "open")
      throw invalid(
        "session",
        `Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of ${s.status}.`,
      )
    Object.assign(s, { status: "expired", url: null })
    ctx.store.put(s)
    ctx.emit("checkout.session.expired", s)
    return s
  },
}

function lineItems(ctx: Ctx, s: StoredSession, p: Params) {
  const data = s._line_items.map((li, i) => {
    const price = ctx.store.get<Stripe.Price>(li.price, "price")
    const amount = (price.unit_amount ?? 0) * li.quantity
    return {
      ...fromDefaults<Stripe.LineItem>("item", { id: `li_${s.id.slice(8, 30)}${i}` }),
      object: "item",
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: productName(ctx, price),
      price,
      quantity: li.quantity,
    }
  })
  return paginate(data, p, `/v1/checkout/sessions/${s.id}/line_items`)
}
