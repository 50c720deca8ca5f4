// Customers and payment methods.
import type Stripe from "stripe"
import { cancelNow } from "../lifecycle"
import { assertAttachable, checkCard, TEST_TOKENS } from "../cards"
import type { Ctx } from "../context"
import { invalid, missing, StripeApiError } from "../errors"
import { taxIdsOf, validEuVat, type StoredTaxId } from "../tax"
import { fromDefaults } from "../defaults"
import { allow, int, mergeMetadata, missingParam, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { balanceTransactionsOf, recordTransaction } from "../balance"
import { address, changedFrom, liveCustomer, type Handler, type StoredPm } from "./shared"

const CUSTOMER_FIELDS = [
  "test_clock",
  "email",
  "name",
  "metadata",
  "address",
  "shipping",
  "phone",
  "description",
  "invoice_settings",
  "payment_method",
  "preferred_locales",
  "invoice_prefix",
  "tax_exempt",
]

function writeCustomer(ctx: Ctx, c: Stripe.Customer, p: Params) {
  if (p.email !== undefined) c.email = str(p, "email") || null
  if (p.name !== undefined) c.name = str(p, "name") || null
  if (p.phone !== undefined) c.phone = str(p, "phone") || null
  if (p.description !== undefined) c.description = str(p, "description") || null
  if (p.tax_exempt !== undefined) {
    const te = str(p, "tax_exempt") || "none"
    if (!["none", "exempt", "reverse"].includes(te))
      throw invalid("tax_exempt", "Invalid tax_exempt: must be one of none, exempt, or reverse")
    c.tax_exempt = te as Stripe.Customer.TaxExempt
  }
  c.address = p.address === "" ? null : address(obj(p, "address"), "address", c.address ?? null)
  const shipping = p.shipping === "" ? null : obj(p, "shipping")
  if (shipping === null) c.shipping = null
  else if (shipping) {
    allow(shipping, ["name", "address", "phone"], "shipping")
    // Stripe requires the address with the shipping details.
    const shippingAddress = address(obj(shipping, "address"), "shipping[address]", c.shipping?.address ?? null)
    if (!shippingAddress) throw missingParam("shipping[address]")
    c.shipping = { name: req(shipping, "name"), phone: str(shipping, "phone") ?? null, address: shippingAddress }
  }
  const settings = obj(p, "invoice_settings")
  if (settings) {
    allow(settings, ["default_payment_method", "custom_fields", "footer"], "invoice_settings")
    if (settings.default_payment_method !== undefined) {
      const pmId = str(settings, "default_payment_method") || null
      if (pmId) {
        const pm = ctx.store.get<StoredPm>(pmId, "payment method", "payment_method", "invoice_settings[default_payment_method]")
        if (pm.customer !== c.id)
          throw invalid(
            "invoice_settings[default_payment_method]",
            `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
          )
      }
      c.invoice_settings = { ...c.invoice_settings, default_payment_method: pmId }
    }
  }
  c.metadata = mergeMetadata(c.metadata, p)
}

export function createCustomer(ctx: Ctx, p: Params): Stripe.Customer {
  const clockId = str(p, "test_clock")
  const clock = clockId ? ctx.store.get<Stripe.TestHelpers.TestClock>(clockId, "test clock", "test_helpers.test_clock", "test_clock") : null
  const c = fromDefaults<Stripe.Customer>("customer", {
    id: ctx.store.id("cus", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: ctx.store.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: ctx.store.id("x", 8).slice(2).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: clock?.id ?? null,
    ...(clock ? { created: clock.frozen_time } : {}),
  } as Partial<Stripe.Customer> & { id: string })
  const pmId = str(p, "payment_method")
  writeCustomer(ctx, c, { ...p, payment_method: undefined, invoice_settings: undefined, test_clock: undefined })
  ctx.store.put(c)
  ctx.emit("customer.created", c)
  if (pmId)
    attachPaymentMethod(ctx, ctx.store.get<StoredPm>(resolvePmToken(ctx, pmId), "payment method", "payment_method", "payment_method"), c)
  if (p.invoice_settings) updateCustomer(ctx, c, { invoice_settings: p.invoice_settings })
  return c
}

export function updateCustomer(ctx: Ctx, c: Stripe.Customer, p: Params) {
  const before = structuredClone(c) as unknown as Record<string, unknown>
  writeCustomer(ctx, c, p)
  const previous = changedFrom(before, c)
  ctx.store.put(c)
  if (Object.keys(previous).length) ctx.emit("customer.updated", c, previous)
  return c
}

/** `email:'a@b.c' AND metadata['user_id']:'…'`: the subset of Stripe's search language used here. */
function searchCustomers(ctx: Ctx, query: string) {
  const clauses = query.split(/\s+AND\s+/i).map((c) => {
    const m = /^(email|name|metadata\['([^']+)'\]|metadata\["([^"]+)"\])\s*:\s*['"](.*)['"]$/.exec(c.trim())
    if (!m) throw invalid("query", `Unsupported or malformed search query clause: ${c}`)
    const key = m[2] ?? m[3]
    return (x: Stripe.Customer) => (key ? x.metadata[key] : (x as unknown as Record<string, unknown>)[m[1] ?? ""]) === m[4]
  })
  return ctx.store.all<Stripe.Customer>("customer", (x) => clauses.every((f) => f(x)))
}

function resolvePmToken(ctx: Ctx, id: string) {
  const number = TEST_TOKENS[id]
  if (!number) return id
  return createPaymentMethod(ctx, { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: "123" }, {}).id
}

export function createPaymentMethod(
  ctx: Ctx,
  card: { number: string; exp_month: number; exp_year: number; cvc?: string },
  billing: Partial<Stripe.PaymentMethod.BillingDetails>,
) {
  const { card: details, outcome } = checkCard(card, new Date(ctx.store.now() * 1000))
  const pm = fromDefaults<StoredPm>("payment_method", {
    id: ctx.store.id("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: null,
      email: null,
      name: null,
      phone: null,
      tax_id: null,
      ...billing,
    } as Stripe.PaymentMethod.BillingDetails,
    card: details,
    created: ctx.store.now(),
    customer: null,
    type: "card",
    _outcome: outcome,
  } as Partial<StoredPm> & { id: string })
  return ctx.store.put(pm)
}

export function attachPaymentMethod(ctx: Ctx, pm: StoredPm, customer: Stripe.Customer) {
  if (pm.customer && pm.customer !== customer.id)
    throw invalid("customer", "The payment method you provided has already been attached to a customer.")
  assertAttachable(pm._outcome)
  if (pm.customer === customer.id) return pm
  pm.customer = customer.id
  ctx.store.put(pm)
  ctx.emit("payment_method.attached", pm)
  return pm
}

export const customers: Record<string, Handler> = {
  "POST /v1/customers": (ctx, p) => {
    allow(p, CUSTOMER_FIELDS)
    return createCustomer(ctx, p)
  },
  "GET /v1/customers/search": (ctx, p) => {
    allow(p, ["query", "limit", "page"])
    const data = searchCustomers(ctx, req(p, "query")).sort((a, b) => b.created - a.created)
    return {
      object: "search_result",
      data: data.slice(0, Number(p.limit ?? 10)),
      has_more: data.length > Number(p.limit ?? 10),
      next_page: null,
      url: "/v1/customers/search",
    }
  },
  "GET /v1/customers/:id": (ctx, p, { id }) => {
    allow(p, [])
    const c = ctx.store.find<Stripe.Customer & { deleted?: boolean }>(id)
    if (!c || c.object !== "customer") throw missing("customer", id)
    return c.deleted ? { id: c.id, object: "customer", deleted: true } : c
  },
  "POST /v1/customers/:id": (ctx, p, { id }) => {
    allow(
      p,
      CUSTOMER_FIELDS.filter((f) => f !== "payment_method" && f !== "test_clock"),
    )
    return updateCustomer(ctx, liveCustomer(ctx, id), p)
  },
  "DELETE /v1/customers/:id": (ctx, p, { id }) => {
    allow(p, [])
    const c = liveCustomer(ctx, id)
    for (const sub of ctx.store.all<Stripe.Subscription>("subscription", (s) => s.customer === c.id)) cancelNow(ctx, sub)
    ctx.emit("customer.deleted", c) // the customer as it was, as Stripe sends it
    ;(c as unknown as { deleted: boolean }).deleted = true
    ctx.store.put(c)
    return { id: c.id, object: "customer", deleted: true }
  },
  "GET /v1/customers": (ctx, p) => {
    allow(p, ["email", "limit", "starting_after", "ending_before", "created", "test_clock"])
    const email = str(p, "email")
    const clock = str(p, "test_clock")
    return paginate(
      ctx.store.all<Stripe.Customer>("customer", (c) => (!email || c.email === email) && (!clock || c.test_clock === clock)),
      p,
      "/v1/customers",
    )
  },
  "GET /v1/customers/:id/payment_methods": (ctx, p, { id }) =>
    allow(p, ["type", "allow_redisplay", "limit", "starting_after", "ending_before"]) &&
    paginate(
      ctx.store.all<StoredPm>("payment_method", (pm) => pm.customer === liveCustomer(ctx, id).id),
      p,
      `/v1/customers/${id}/payment_methods`,
    ),
}

export const paymentMethods: Record<string, Handler> = {
  "POST /v1/payment_methods": (ctx, p) => {
    allow(p, ["type", "card", "billing_details", "metadata"])
    if (req(p, "type") !== "card") throw invalid("type", "Only type=card is emulated.")
    const card = obj(p, "card") ?? {}
    if (typeof card.token === "string")
      return ctx.store.get(resolvePmToken(ctx, card.token.replace(/^tok_/, "pm_card_")), "payment method", "payment_method")
    allow(card, ["number", "exp_month", "exp_year", "cvc"], "card")
    return createPaymentMethod(
      ctx,
      { number: req(card, "number"), exp_month: int(card, "exp_month") ?? 0, exp_year: int(card, "exp_year") ?? 0, cvc: str(card, "cvc") },
      (obj(p, "billing_details") ?? {}) as never,
    )
  },
  "GET /v1/payment_methods/:id": (ctx, p, { id }) =>
    allow(p, []) && ctx.store.get<StoredPm>(resolvePmToken(ctx, id), "payment method", "payment_method"),
  "POST /v1/payment_methods/:id/attach": (ctx, p, { id }) => {
    allow(p, ["customer"])
    const pm = ctx.store.get<StoredPm>(resolvePmToken(ctx, id), "payment method", "payment_method")
    return attachPaymentMethod(ctx, pm, liveCustomer(ctx, req(p, "customer"), "customer"))
  },
  "POST /v1/payment_methods/:id/detach": (ctx, p, { id }) => {
    allow(p, [])
    const pm = ctx.store.get<StoredPm>(id, "payment method", "payment_method")
    if (!pm.customer)
      throw invalid("payment_method", "The payment method you provided is not attached to a customer so detachment is impossible.")
    const c = ctx.store.find<Stripe.Customer>(pm.customer as string)
    pm.customer = null
    ctx.store.put(pm)
    if (c?.invoice_settings.default_payment_method === pm.id) updateCustomer(ctx, c, { invoice_settings: { default_payment_method: "" } })
    ctx.emit("payment_method.detached", pm)
    return pm
  },
  "GET /v1/payment_methods": (ctx, p) => {
    allow(p, ["customer", "type", "limit", "starting_after", "ending_before"])
    const customer = str(p, "customer")
    return paginate(
      ctx.store.all<StoredPm>("payment_method", (pm) => !!customer && pm.customer === customer),
      p,
      "/v1/payment_methods",
    )
  },
}

/** Tax id types the emulator takes, and the format it checks (Stripe validates each type's format). */
const TAX_ID_FORMATS: Record<string, { re: RegExp; country?: string; verified?: boolean }> = {
  eu_vat: { re: /^(?:[A-Z]{2})[0-9A-Z]{8,12}$/, verified: true },
  gb_vat: { re: /^GB(?:\d{9}|\d{12})$/, country: "GB", verified: true },
  au_abn: { re: /^\d{11}$/, country: "AU" },
  us_ein: { re: /^\d{2}-?\d{7}$/, country: "US" },
  ch_vat: { re: /^CHE-?\d{3}\.?\d{3}\.?\d{3} ?(?:MWST|TVA|IVA)$/, country: "CH" },
  no_vat: { re: /^\d{9}MVA$/, country: "NO" },
}

/**
 * A customer's tax id. eu_vat must be a valid-format number of an EU country (tax.ts validEuVat) and
 * gb_vat GB + 9 or 12 digits; such ids are verified at once (Stripe checks VIES/HMRC asynchronously:
 * pending, then verified), except a value containing 000000000, which stays unverified as in Stripe's test mode.
 */
export function createTaxId(ctx: Ctx, customer: Stripe.Customer, type: string, rawValue: string, param = "value"): StoredTaxId {
  const format = TAX_ID_FORMATS[type]
  if (!format) throw invalid("type", `Invalid type: must be one of ${Object.keys(TAX_ID_FORMATS).join(", ")} (the emulator's tax id types)`)
  const value = rawValue.replace(/\s/g, "").toUpperCase()
  const country = type === "eu_vat" ? validEuVat(value) : format.re.test(value) ? (format.country ?? null) : null
  if (!country || !format.re.test(value))
    throw new StripeApiError(400, "invalid_request_error", `Invalid value for ${type}.`, { code: "tax_id_invalid", param })
  const t: StoredTaxId = {
    id: ctx.store.id("txi"),
    object: "tax_id",
    country,
    created: ctx.store.now(),
    customer: customer.id,
    customer_account: null,
    livemode: false,
    owner: { customer: customer.id, type: "customer", customer_account: null } as Stripe.TaxId.Owner,
    type: type as Stripe.TaxId.Type,
    value,
    verification: format.verified
      ? { status: value.includes("000000000") ? "unverified" : "verified", verified_address: null, verified_name: null }
      : null,
  } as StoredTaxId
  ctx.store.put(t)
  ctx.emit("customer.tax_id.created", t)
  return t
}

export const taxIds: Record<string, Handler> = {
  // The invoice credit balance's ledger (balance.ts): invoices write applied_to_invoice; the API writes adjustments.
  "POST /v1/customers/:id/balance_transactions": (ctx, p, { id }) => {
    allow(p, ["amount", "currency", "description", "metadata"])
    const customer = liveCustomer(ctx, id)
    const amount = int(p, "amount")
    if (amount === undefined) throw missingParam("amount")
    const currency = req(p, "currency").toLowerCase()
    if (customer.currency && customer.currency !== currency)
      throw invalid("currency", `The currency ${currency} does not match the customer's currency ${customer.currency}.`)
    return recordTransaction(ctx, customer, amount, "adjustment", {
      currency,
      description: str(p, "description") ?? null,
      metadata: mergeMetadata({}, p),
    })
  },
  "GET /v1/customers/:id/balance_transactions": (ctx, p, { id }) =>
    allow(p, ["limit", "starting_after", "ending_before", "created", "invoice"]) &&
    paginate(
      balanceTransactionsOf(ctx, liveCustomer(ctx, id).id).filter((t) => !p.invoice || t.invoice === p.invoice),
      p,
      `/v1/customers/${id}/balance_transactions`,
    ),
  "GET /v1/customers/:product/balance_transactions/:id": (ctx, p, { product, id }) => {
    allow(p, [])
    const t = balanceTransactionsOf(ctx, liveCustomer(ctx, product).id).find((x) => x.id === id)
    if (!t) throw missing("customer_balance_transaction", id)
    return t
  },
  "POST /v1/customers/:id/tax_ids": (ctx, p, { id }) => {
    allow(p, ["type", "value"])
    return createTaxId(ctx, liveCustomer(ctx, id), req(p, "type"), req(p, "value"))
  },
  "GET /v1/customers/:id/tax_ids": (ctx, p, { id }) =>
    allow(p, ["limit", "starting_after", "ending_before"]) &&
    paginate(taxIdsOf(ctx, liveCustomer(ctx, id).id), p, `/v1/customers/${id}/tax_ids`),
  // (the router's path parameters are :id and :product: here :product is the customer)
  "GET /v1/customers/:product/tax_ids/:id": (ctx, p, { product, id }) => {
    allow(p, [])
    const t = taxIdsOf(ctx, liveCustomer(ctx, product).id).find((x) => x.id === id)
    if (!t) throw missing("tax_id", id)
    return t
  },
  "DELETE /v1/customers/:product/tax_ids/:id": (ctx, p, { product, id }) => {
    allow(p, [])
    const t = taxIdsOf(ctx, liveCustomer(ctx, product).id).find((x) => x.id === id)
    if (!t) throw missing("tax_id", id)
    ;(t as unknown as { deleted: boolean }).deleted = true
    ctx.store.put(t)
    ctx.emit("customer.tax_id.deleted", t)
    return { id: t.id, object: "tax_id", deleted: true }
  },
}
