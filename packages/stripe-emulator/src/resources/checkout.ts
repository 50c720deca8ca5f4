// Checkout Sessions and their completion (the hosted page, pages/checkout.tsx, renders and reads the form).
import type Stripe from "stripe"
import { createSubscription, onlyItem, productName, recurringPrice } from "../billing"
import { checkCard, DECLINED, INSUFFICIENT, type CardInput } from "../cards"
import type { Ctx } from "../context"
import { amountOff, appliesTo, oneDiscountParam, resolveDiscount, type DiscountSpec, type Order, type Resolved } from "../discounts"
import { invalid, StripeApiError } from "../errors"
import { expireSession } from "../lifecycle"
import { fromDefaults } from "../defaults"
import { allow, bool, int, list, mergeMetadata, obj, req, str, type Params } from "../params"
import { createdFilter, paginate } from "../store"
import { attachPaymentMethod, createCustomer, createPaymentMethod, createTaxId, updateCustomer } from "./customers"
import { liveCustomer, trialSettings, type Handler, type StoredSession } from "./shared"
import { meteredItemParam } from "./subscriptions"

import { atCustomerTime } from "./test-clocks"
import { automaticTaxParam, computeTax, subjectOf, taxLocation, validEuVat, type TaxSubject } from "../tax"

/** An address as customers.create / update take it (no nulls). */
const addressParams = (a: Stripe.Address): Params =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => typeof v === "string" && v !== "")) as Params

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
      "payment_method_collection",
      "discounts",
      "automatic_tax",
      "payment_intent_data",
    ])
    const mode = req(p, "mode")
    if (mode !== "subscription" && mode !== "payment") throw invalid("mode", "Only mode=subscription and mode=payment are emulated.")
    const payment = mode === "payment"
    const raw = list(p, "line_items") ?? []
    if (payment && raw.length !== 1) throw invalid("line_items", "The emulator supports payment-mode sessions with exactly one line item.")
    // The licensed item first; metered prices (usage billed from a meter, no quantity) may follow it.
    const metered = raw.slice(1).map((x, i) => meteredItemParam(ctx, x as Params, `line_items[${i + 1}]`))
    const items = raw.slice(0, 1).map((x, i) => {
      const li = x as Params
      allow(li, ["price", "quantity", "adjustable_quantity"], `line_items[${i}]`)
      const param = `line_items[${i}][price]`
      const price = payment ? oneTimePrice(ctx, req(li, "price"), param) : recurringPrice(ctx, req(li, "price"), param)
      if (price.recurring?.usage_type === "metered")
        throw invalid(`line_items[${i}][price]`, "The emulator expects the licensed line item first; metered ones may follow it.")
      const quantity = int(li, "quantity") ?? 1
      if (quantity < 1) throw invalid(`line_items[${i}][quantity]`, "Quantity must be at least 1.")
      return { price, quantity }
    })
    if (items.length !== 1) throw invalid("line_items", "The emulator supports subscriptions with exactly one line item.")
    if (payment && p.subscription_data !== undefined)
      throw invalid("subscription_data", "`subscription_data` can only be used in `subscription` mode.")
    if (payment && p.payment_method_collection !== undefined)
      throw invalid("payment_method_collection", "`payment_method_collection` can only be used in `subscription` or `setup` mode.")
    if (!payment && p.payment_intent_data !== undefined)
      throw invalid("payment_intent_data", "`payment_intent_data` can only be used in `payment` mode.")
    const pid = obj(p, "payment_intent_data") ?? {}
    allow(pid, ["metadata", "description"], "payment_intent_data")
    const customerId = str(p, "customer")
    const customer = customerId ? liveCustomer(ctx, customerId, "customer") : undefined
    const email = str(p, "customer_email")
    if (customer && email) throw invalid("customer_email", "You may only specify one of these parameters: customer, customer_email.")
    const successUrl = req(p, "success_url")
    const tax = taxParams(p, customer)
    const sd = obj(p, "subscription_data") ?? {}
    allow(sd, ["metadata", "trial_period_days", "description", "trial_settings"], "subscription_data")
    const trial = int(sd, "trial_period_days")
    const missingPm = trialSettings(sd, "subscription_data")
    const pmc = str(p, "payment_method_collection") ?? "always"
    if (pmc !== "always" && pmc !== "if_required")
      throw invalid("payment_method_collection", "Invalid payment_method_collection: must be one of always or if_required")
    if (trial !== undefined && (trial < 1 || trial > 730))
      throw invalid("subscription_data[trial_period_days]", "trial_period_days must be between 1 and 730.")
    const [first] = items as [{ price: Stripe.Price; quantity: number }]
    const allowCodes = bool(p, "allow_promotion_codes")
    const discountSpec = discountsParam(p)
    // Stripe takes either a discount chosen by the merchant or a code field for the customer, not both.
    if (discountSpec && allowCodes)
      throw invalid("allow_promotion_codes", "You may only specify one of these parameters: allow_promotion_codes, discounts.")
    const resolved = discountSpec && resolveDiscount(ctx, discountSpec, orderOf(first.price, first.quantity, customer?.id ?? null))
    const now = ctx.store.now()
    const id = ctx.store.id("cs_test", 58)
    const session = fromDefaults<StoredSession>("checkout.session", {
      id,
      object: "checkout.session",
      after_expiration: null,
      allow_promotion_codes: allowCodes ?? null,
      amount_subtotal: (first.price.unit_amount ?? 0) * first.quantity,
      amount_total: trial ? 0 : (first.price.unit_amount ?? 0) * first.quantity,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 }, // discounts are set below; no shipping or tax
      billing_address_collection: tax.billingAddressCollection,
      automatic_tax: {
        enabled: tax.automatic,
        liability: tax.automatic ? { type: "self" } : null,
        provider: tax.automatic ? "stripe" : null,
        status: null,
      },
      tax_id_collection: { enabled: tax.taxIdCollection, required: "never" },
      cancel_url: str(p, "cancel_url") ?? null,
      client_reference_id: str(p, "client_reference_id") ?? null,
      client_secret: null,
      created: now,
      currency: first.price.currency,
      customer: customer?.id ?? null,
      // Payment mode creates a customer only when needed (Stripe's default there is if_required).
      customer_creation: customer ? null : payment ? "if_required" : "always",
      customer_details: null,
      customer_email: email ?? null,
      expires_at: expiresAt(p, now),
      invoice: null,
      locale: null,
      metadata: mergeMetadata({}, p),
      mode,
      // Set when the customer pays (at this API version Checkout creates the PaymentIntent on confirmation).
      payment_intent: null,
      payment_link: null,
      payment_method_collection: payment ? null : pmc,
      payment_method_types: ["card"],
      payment_status: "unpaid",
      status: "open",
      subscription: null,
      success_url: successUrl,
      ui_mode: "hosted_page",
      url: `${ctx.baseUrl}/c/pay/${id}`,
      _line_items: items.map((i) => ({ price: i.price.id, quantity: i.quantity })),
      _metered: metered.map((m) => m.id),
      ...(payment ? { _payment_intent_data: { metadata: mergeMetadata({}, pid), description: str(pid, "description") ?? null } } : {}),
      _subscription_data: {
        metadata: mergeMetadata({}, sd),
        trial_period_days: trial,
        description: str(sd, "description"),
        missing_payment_method: missingPm,
      },
      _customer_update: tax.customerUpdate,
    } as Partial<StoredSession> & { id: string })
    if (discountSpec && resolved) setSessionDiscount(ctx, session, discountSpec, resolved)
    else setSessionTotals(ctx, session, customer ? subjectOf(ctx, customer) : null)
    return ctx.store.put(session)
  },
  "GET /v1/checkout/sessions/:id": (ctx, p, { id }) => {
    allow(p, [])
    const s = ctx.store.get<StoredSession>(id, "checkout.session", "checkout.session")
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
    const status = str(p, "status")
    if (status !== undefined && !["open", "complete", "expired"].includes(status))
      throw invalid("status", "Invalid status: must be one of open, complete, or expired")
    const details = obj(p, "customer_details")
    if (details) allow(details, ["email"], "customer_details")
    const email = details ? req(details, "email") : undefined
    const paymentIntent = str(p, "payment_intent")
    const paymentLink = str(p, "payment_link")
    const created = createdFilter(p)
    return paginate(
      ctx.store.all<StoredSession>(
        "checkout.session",
        (s) =>
          (!sub || s.subscription === sub) &&
          (!customer || s.customer === customer) &&
          (!status || s.status === status) &&
          (email === undefined || s.customer_details?.email === email) &&
          // A paid payment-mode session has its PaymentIntent; no session here has a Payment Link.
          (paymentIntent === undefined || s.payment_intent === paymentIntent) &&
          (paymentLink === undefined || s.payment_link === paymentLink) &&
          created(s.created),
      ),
      p,
      "/v1/checkout/sessions",
    )
  },
  "GET /v1/checkout/sessions/:id/line_items": (ctx, p, { id }) =>
    allow(p, ["limit", "starting_after", "ending_before"]) &&
    lineItems(ctx, ctx.store.get<StoredSession>(id, "checkout.session", "checkout.session"), p),
  "POST /v1/checkout/sessions/:id/expire": (ctx, p, { id }) => {
    allow(p, [])
    const s = ctx.store.get<StoredSession>(id, "checkout.session", "checkout.session")
    if (s.status !== "open")
      throw invalid(
        "session",
        `Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of ${s.status}.`,
      )
    expireSession(ctx, s)
    return s
  },
}

/** "It can be anywhere from 30 minutes to 24 hours after Checkout Session creation. By default, … 24 hours." */
function expiresAt(p: Params, now: number): number {
  const at = int(p, "expires_at")
  if (at === undefined) return now + 86_400
  if (at < now + 30 * 60)
    throw invalid("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.")
  if (at > now + 86_400)
    throw invalid("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.")
  return at
}

/** `discounts[0][coupon|promotion_code]`: Checkout takes at most one. */
const discountsParam = (p: Params) => oneDiscountParam(p, "You may only specify one discount on a Checkout Session.")

const orderOf = (price: Stripe.Price, quantity: number, customer: string | null): Order => ({
  products: [price.product as string],
  amount: (price.unit_amount ?? 0) * quantity,
  currency: price.currency,
  customer,
})

/** The order a session's line item makes, for resolveDiscount (hosted page and completion). */
export function sessionOrder(ctx: Ctx, s: StoredSession): Order {
  const li = onlyItem({ data: s._line_items })
  return orderOf(ctx.store.get<Stripe.Price>(li.price, "price"), li.quantity, (s.customer as string | null) ?? null)
}

/**
 * Puts a checked discount on the session (or takes it off: null) and recomputes its totals: what is due
 * today is the subtotal less the discount; a trial is due nothing today, so it has no discount amount yet.
 */
export function setSessionDiscount(ctx: Ctx, s: StoredSession, spec: DiscountSpec | null, r: Resolved | null) {
  const order = sessionOrder(ctx, s)
  const trial = Boolean(s._subscription_data.trial_period_days)
  const off = r && !trial && order.products.some((p) => appliesTo(r.coupon, p)) ? amountOff(r.coupon, order.amount, order.currency) : 0
  s.discounts = spec ? [{ coupon: spec.coupon ?? null, promotion_code: spec.promotion_code ?? null }] : null
  s.total_details = { amount_discount: off, amount_shipping: 0, amount_tax: s.total_details?.amount_tax ?? 0 }
  const fixed = s.customer ? ctx.store.find<Stripe.Customer>(s.customer as string) : undefined
  setSessionTotals(ctx, s, s._tax_subject ?? (fixed ? subjectOf(ctx, fixed) : null))
}

/**
 * The session's totals: the subtotal less the discount, plus Stripe Tax on it when automatic tax is on
 * (exclusive unless the price is tax-inclusive) for `who` (the customer, or the address and VAT number
 * entered on the hosted page). Without a usable address the status is requires_location_inputs and no
 * tax is added yet. A trial is due nothing today.
 */
export function setSessionTotals(ctx: Ctx, s: StoredSession, who: TaxSubject | null) {
  const order = sessionOrder(ctx, s)
  const trial = Boolean(s._subscription_data.trial_period_days)
  const off = s.total_details?.amount_discount ?? 0
  const due = trial ? 0 : order.amount - off
  let tax = 0
  let exclusive = 0
  if (s.automatic_tax.enabled) {
    const price = ctx.store.get<Stripe.Price>(onlyItem({ data: s._line_items }).price, "price")
    const r = who ? computeTax(ctx, who, [{ amount: due, inclusive: price.tax_behavior === "inclusive" }]) : null
    s.automatic_tax = { ...s.automatic_tax, status: r?.status ?? "requires_location_inputs" }
    tax = r ? r.exclusive + r.inclusive : 0
    exclusive = r?.exclusive ?? 0
    s._tax = r && r.status === "complete" ? { percent: r.percent, reason: r.reason, amount: tax, inclusive: r.inclusive > 0 } : null
  }
  s.total_details = { amount_discount: off, amount_shipping: 0, amount_tax: tax }
  s.amount_subtotal = order.amount
  s.amount_total = due + exclusive
  ctx.store.put(s)
}

type SessionTax = {
  automatic: boolean
  billingAddressCollection: "auto" | "required" | null
  taxIdCollection: boolean
  customerUpdate: { address: "auto" | "never"; name: "auto" | "never"; shipping: "auto" | "never" } | null
}

/**
 * automatic_tax, billing_address_collection, tax_id_collection and customer_update, checked as Stripe
 * does: customer_update needs a customer; automatic tax for a customer without a usable address needs
 * customer_update[address]=auto (or shipping) to save the address entered; tax id collection for an
 * existing customer needs customer_update[name]=auto (the business name is saved on the customer).
 */
function taxParams(p: Params, customer: Stripe.Customer | undefined): SessionTax {
  const automatic = automaticTaxParam(p) ?? false
  const bac = str(p, "billing_address_collection")
  if (bac !== undefined && bac !== "auto" && bac !== "required")
    throw invalid("billing_address_collection", "Invalid billing_address_collection: must be one of auto or required")
  const tic = obj(p, "tax_id_collection")
  if (tic) allow(tic, ["enabled", "required"], "tax_id_collection")
  const taxIdCollection = tic ? (bool(tic, "enabled") ?? false) : false
  if (tic && str(tic, "required") !== undefined && str(tic, "required") !== "never" && str(tic, "required") !== "if_supported")
    throw invalid("tax_id_collection[required]", "Invalid tax_id_collection[required]: must be one of if_supported or never")
  const cu = obj(p, "customer_update")
  let customerUpdate: SessionTax["customerUpdate"] = null
  if (cu) {
    if (!customer) throw invalid("customer_update", "customer_update can only be used with customer.")
    allow(cu, ["address", "name", "shipping"], "customer_update")
    const v = (k: string) => {
      const x = str(cu, k) ?? "never"
      if (x !== "auto" && x !== "never")
        throw invalid(`customer_update[${k}]`, `Invalid customer_update[${k}]: must be one of auto or never`)
      return x
    }
    customerUpdate = { address: v("address"), name: v("name"), shipping: v("shipping") }
  }
  if (customer && automatic && !taxLocation(customer) && customerUpdate?.address !== "auto" && customerUpdate?.shipping !== "auto")
    throw invalid(
      "customer_update[address]",
      "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
    )
  if (customer && taxIdCollection && customerUpdate?.name !== "auto")
    throw invalid(
      "tax_id_collection[enabled]",
      "tax_id_collection requires updating business name on the customer. To enable tax ID collection for an existing customer, please set `customer_update[name]` to `auto`.",
    )
  return { automatic, billingAddressCollection: (bac as "auto" | "required" | undefined) ?? null, taxIdCollection, customerUpdate }
}

function lineItems(ctx: Ctx, s: StoredSession, p: Params) {
  const data = s._line_items.map((li, i) => {
    const price = ctx.store.get<Stripe.Price>(li.price, "price")
    const amount = (price.unit_amount ?? 0) * li.quantity
    const discount = i === 0 ? (s.total_details?.amount_discount ?? 0) : 0 // one line item: the session's discount is its
    return {
      ...fromDefaults<Stripe.LineItem>("item", { id: `li_${s.id.slice(8, 30)}${i}` }),
      object: "item",
      amount_discount: discount,
      amount_subtotal: amount,
      amount_tax: i === 0 ? (s.total_details?.amount_tax ?? 0) : 0,
      amount_total: s.amount_total ?? amount - discount,
      currency: price.currency,
      description: productName(ctx, price),
      price,
      quantity: li.quantity,
    }
  })
  return paginate(data, p, `/v1/checkout/sessions/${s.id}/line_items`)
}

/** payment_method_collection=if_required with nothing due today (a trial): Checkout asks for no card. */
export const collectsNoCard = (s: StoredSession) => s.payment_method_collection === "if_required" && (s.amount_total ?? 0) === 0

/** What the customer entered on the hosted page: the card is null when the session collects none. */
export type Completion = {
  email: string
  name: string | null
  card: CardInput | null
  /** The billing address entered (automatic tax or billing_address_collection), when the page asked for one. */
  address?: Stripe.Address | null
  /** tax_id_collection: the business name and VAT number entered, if the customer buys as a business. */
  businessName?: string | null
  taxId?: string | null
}

/** The VAT number entered on the page as Stripe's tax id: gb_vat for GB…, eu_vat otherwise (checked as createTaxId does). */
export function enteredTaxId(raw: string | null | undefined): { type: "eu_vat" | "gb_vat"; value: string } | null {
  const value = (raw ?? "").replace(/\s/g, "").toUpperCase()
  if (!value) return null
  return { type: value.startsWith("GB") ? "gb_vat" : "eu_vat", value }
}

/** Who the session's tax is for, from what the page was given (else the customer's own address and tax ids). */
export function pageTaxSubject(ctx: Ctx, s: StoredSession, input: Pick<Completion, "address" | "taxId">): TaxSubject {
  const fixed = s.customer ? ctx.store.find<Stripe.Customer>(s.customer as string) : undefined
  const own = fixed ? subjectOf(ctx, fixed) : { address: null, shipping: null, taxIds: [] }
  const tid = s.tax_id_collection?.enabled ? enteredTaxId(input.taxId) : null
  return {
    ...own,
    address: input.address?.country ? input.address : own.address,
    shipping: input.address?.country ? null : own.shipping,
    taxIds: tid ? [...own.taxIds, tid] : own.taxIds,
  }
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * Completes a Checkout Session as the customer's payment does: checks the email and card (a decline
 * throws and creates nothing), re-checks the discount, creates the customer, payment method and
 * subscription, and emits checkout.session.completed. A customer on a test clock subscribes at the
 * clock's time, as through the API. Throws StripeApiError (shown on the page) or DiscountRefused.
 */
export function completeSession(ctx: Ctx, s: StoredSession, input: Completion) {
  const fixed = s.customer ? ctx.store.find<Stripe.Customer>(s.customer as string) : undefined
  return fixed ? atCustomerTime(ctx, fixed, () => complete(ctx, s, input)) : complete(ctx, s, input)
}

function complete(ctx: Ctx, s: StoredSession, input: Completion) {
  const fixed = s.customer ? ctx.store.get<Stripe.Customer>(s.customer as string, "customer") : undefined
  const email = (fixed?.email ?? input.email).trim()
  if (!EMAIL_RE.test(email)) throw new StripeApiError(400, "invalid_request_error", "Your email address is incomplete.")
  const card = collectsNoCard(s) ? null : input.card
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
  // Stripe Tax needs a location: the address entered here (or the customer's own); a VAT number must be valid.
  const tid = s.tax_id_collection?.enabled ? enteredTaxId(input.taxId) : null
  if (tid && (tid.type === "eu_vat" ? !validEuVat(tid.value) : !/^GB(?:\d{9}|\d{12})$/.test(tid.value)))
    throw new StripeApiError(400, "invalid_request_error", "Your tax ID is invalid. Enter a VAT number such as DE123456789.")
  const who = pageTaxSubject(ctx, s, input)
  if (s.automatic_tax.enabled && !taxLocation(who))
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "Enter your billing address: a country (and a ZIP code in the US) is needed to calculate tax.",
    )
  const entered = input.address?.country ? input.address : null
  const name = input.name?.trim() || null
  const businessName = tid ? input.businessName?.trim() || null : null
  const customer =
    fixed ??
    createCustomer(ctx, {
      email,
      ...(businessName || name ? { name: businessName ?? name } : {}),
      ...(entered ? { address: addressParams(entered) } : {}),
    })
  if (fixed) {
    const cu = s._customer_update
    const changes: Params = {}
    if (entered && cu?.address === "auto") changes.address = addressParams(entered)
    if (businessName && cu?.name === "auto") changes.name = businessName
    if (Object.keys(changes).length) updateCustomer(ctx, customer, changes)
  }
  if (tid) createTaxId(ctx, customer, tid.type, tid.value)
  if (s.automatic_tax.enabled) setSessionTotals(ctx, s, subjectOf(ctx, customer))
  const pm = card ? createPaymentMethod(ctx, card, { name, email }) : null
  // A one-time payment charges the card without saving it to the customer (no setup_future_usage here).
  if (pm && s.mode !== "payment") {
    attachPaymentMethod(ctx, pm, customer)
    updateCustomer(ctx, customer, { invoice_settings: { default_payment_method: pm.id } })
  }
  if (s.mode === "payment") return completePayment(ctx, s, customer, pm?.id ?? null, email, name, entered)
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
    automaticTax: s.automatic_tax.enabled,
  })
  Object.assign(s, {
    status: "complete",
    payment_status: s._subscription_data.trial_period_days ? "no_payment_required" : "paid",
    customer: customer.id,
    subscription: sub.id,
    invoice: sub.latest_invoice,
    customer_details: {
      address: entered ?? (s.automatic_tax.enabled ? (customer.address ?? null) : null),
      email,
      name: businessName ?? name,
      phone: null,
      tax_exempt: customer.tax_exempt ?? "none",
      tax_ids: tid ? [tid] : [],
      business_name: businessName,
      individual_name: null,
    },
    url: null,
  })
  ctx.store.put(s)
  ctx.emit("checkout.session.completed", s)
}

const customerDetails = (email: string, name: string | null): Stripe.Checkout.Session.CustomerDetails => ({
  address: null,
  email,
  name,
  phone: null,
  tax_exempt: "none",
  tax_ids: [],
  business_name: null,
  individual_name: null,
})

/**
 * A payment-mode session's completion: the card is charged the session's total at once through a PaymentIntent
 * (status succeeded), set on the session as `payment_intent`; payment_status paid. Events in Stripe's order:
 * payment_intent.created, payment_intent.succeeded, checkout.session.completed (no Charge object is emulated).
 */
function completePayment(
  ctx: Ctx,
  s: StoredSession,
  customer: Stripe.Customer,
  pm: string | null,
  email: string,
  name: string | null,
  entered: Stripe.Address | null,
) {
  const amount = s.amount_total ?? 0
  const pi = fromDefaults<Stripe.PaymentIntent>("payment_intent", {
    id: ctx.store.id("pi"),
    object: "payment_intent",
    amount,
    amount_received: amount,
    created: ctx.store.now(),
    currency: s.currency ?? "usd",
    customer: customer.id,
    description: s._payment_intent_data?.description ?? null,
    metadata: s._payment_intent_data?.metadata ?? {},
    payment_method: pm,
    payment_method_types: ["card"],
    receipt_email: email,
    status: "requires_payment_method",
  })
  ctx.store.put(pi)
  ctx.emit("payment_intent.created", pi)
  Object.assign(pi, { status: "succeeded" })
  ctx.store.put(pi)
  ctx.emit("payment_intent.succeeded", pi)
  Object.assign(s, {
    status: "complete",
    payment_status: "paid",
    customer: customer.id,
    payment_intent: pi.id,
    customer_details: {
      ...customerDetails(email, name),
      // With Stripe Tax the address that placed the customer, as on a subscription-mode session.
      ...(s.automatic_tax.enabled ? { address: entered ?? customer.address ?? null } : {}),
    },
    url: null,
  })
  ctx.store.put(s)
  ctx.emit("checkout.session.completed", s)
}

/** A one-time price for a payment-mode line item (a recurring one needs subscription mode). */
function oneTimePrice(ctx: Ctx, id: string, param: string): Stripe.Price {
  const price = ctx.store.get<Stripe.Price>(id, "price", "price", param)
  if (price.recurring)
    throw invalid(
      param,
      "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
    )
  if (!price.active) throw invalid(param, "The price specified is inactive. This field only accepts active prices.")
  return price
}

export const paymentIntents: Record<string, Handler> = {
  "GET /v1/payment_intents/:id": (ctx, p, { id }) =>
    allow(p, []) && ctx.store.get<Stripe.PaymentIntent>(id, "payment_intent", "payment_intent"),
}
