// The REST API: /v1 routes for the resources subkit uses, with Stripe's parameters and errors.
import type Stripe from "stripe"
import { advanceTo, cancelNow, changeItem, createSubscription, recurringPrice, retryOpenInvoices } from "./billing"
import { assertAttachable, checkCard, TEST_TOKENS, type Outcome } from "./cards"
import type { Ctx } from "./context"
import { invalid, missing, StripeApiError } from "./errors"
import { fromFixture } from "./fixtures"
import { allow, bool, int, list, mergeMetadata, obj, req, str, type Params } from "./params"
import { paginate } from "./store"

export type Handler = (ctx: Ctx, p: Params, path: Record<string, string>) => unknown
type StoredPm = Stripe.PaymentMethod & { _outcome: Outcome }
type StoredSession = Stripe.Checkout.Session & {
  _line_items: { price: string; quantity: number }[]
  _subscription_data: { metadata: Record<string, string>; trial_period_days?: number; description?: string }
}
type Endpoint = Stripe.WebhookEndpoint & { secret: string }

const ADDRESS_KEYS = ["line1", "line2", "city", "state", "postal_code", "country"]
function address(p: Params | undefined, param: string, current: Stripe.Address | null = null): Stripe.Address | null {
  if (p === undefined) return current
  allow(p, ADDRESS_KEYS, param)
  const next = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...(current ?? {}) } as Stripe.Address
  for (const k of ADDRESS_KEYS) if (typeof p[k] === "string") (next as unknown as Record<string, string | null>)[k] = (p[k] as string) || null
  return next
}

// ---------- products and prices ----------
const PRODUCT_FIELDS = ["name", "description", "metadata", "active", "id", "marketing_features", "url", "statement_descriptor", "unit_label", "tax_code", "images", "default_price"]

function writeProduct(ctx: Ctx, product: Stripe.Product, p: Params) {
  if (p.name !== undefined) product.name = req(p, "name")
  if (p.description !== undefined) product.description = str(p, "description") || null
  if (p.active !== undefined) product.active = bool(p, "active")!
  if (p.url !== undefined) product.url = str(p, "url") || null
  if (p.default_price !== undefined) product.default_price = ctx.store.get<Stripe.Price>(req(p, "default_price"), "price", "price", "default_price").id
  const features = list(p, "marketing_features")
  if (features) product.marketing_features = features.map((f) => ({ name: String((f as Params).name ?? "") }))
  product.metadata = mergeMetadata(product.metadata, p)
  product.updated = ctx.store.now()
}

const products: Record<string, Handler> = {
  "POST /v1/products": (ctx, p) => {
    allow(p, PRODUCT_FIELDS)
    const id = str(p, "id") ?? ctx.store.id("prod", 14)
    if (ctx.store.find(id)) throw invalid("id", `Product already exists.`)
    const product = fromFixture<Stripe.Product>("product", {
      id, object: "product", active: true, created: ctx.store.now(), default_price: null, description: null, images: [],
      marketing_features: [], name: req(p, "name"), package_dimensions: null, shippable: null, statement_descriptor: null,
      tax_code: null, unit_label: null, url: null, type: "service",
    } as Partial<Stripe.Product> & { id: string })
    writeProduct(ctx, product, p)
    ctx.store.put(product)
    ctx.emit("product.created", product)
    return product
  },
  "GET /v1/products/:id": (ctx, _p, { id }) => ctx.store.get<Stripe.Product>(id!, "product"),
  "POST /v1/products/:id": (ctx, p, { id }) => {
    allow(p, PRODUCT_FIELDS.filter((f) => f !== "id"))
    const product = ctx.store.get<Stripe.Product>(id!, "product")
    const before = structuredClone(product) as unknown as Record<string, unknown>
    writeProduct(ctx, product, p)
    ctx.store.put(product)
    ctx.emit("product.updated", product, changedFrom(before, product))
    return product
  },
  "GET /v1/products": (ctx, p) => {
    const active = bool(p, "active")
    return paginate(ctx.store.all<Stripe.Product>("product", (x) => active === undefined || x.active === active), p, "/v1/products")
  },
}

const PRICE_UPDATE = ["active", "lookup_key", "transfer_lookup_key", "metadata", "nickname", "tax_behavior"]
function writeLookupKey(ctx: Ctx, price: Stripe.Price, p: Params) {
  if (p.lookup_key === undefined) return
  const key = str(p, "lookup_key") || null
  const holder = key && ctx.store.all<Stripe.Price>("price", (x) => x.lookup_key === key && x.id !== price.id)[0]
  if (holder) {
    if (bool(p, "transfer_lookup_key") !== true)
      throw invalid("lookup_key", `A price (\`${holder.id}\`) already uses that lookup key. Pass \`transfer_lookup_key=true\` to move it to this price.`)
    holder.lookup_key = null
    ctx.store.put(holder)
  }
  price.lookup_key = key
}

const prices: Record<string, Handler> = {
  "POST /v1/prices": (ctx, p) => {
    allow(p, ["product", "currency", "unit_amount", "recurring", "nickname", "metadata", "active", "tax_behavior", "billing_scheme", ...PRICE_UPDATE])
    const product = ctx.store.get<Stripe.Product>(req(p, "product"), "product", "product", "product")
    const recurring = obj(p, "recurring")
    if (recurring) allow(recurring, ["interval", "interval_count", "usage_type"], "recurring")
    const interval = recurring && (req(recurring, "interval") as Stripe.Price.Recurring.Interval)
    if (interval && !["day", "week", "month", "year"].includes(interval)) throw invalid("recurring[interval]", `Invalid recurring[interval]: must be one of day, week, month, or year`)
    const unitAmount = int(p, "unit_amount")
    if (unitAmount === undefined || unitAmount < 0) throw invalid("unit_amount", "Missing required param: unit_amount.")
    const price = fromFixture<Stripe.Price>("price", {
      id: ctx.store.id("price"), object: "price", active: bool(p, "active") ?? true, billing_scheme: "per_unit", created: ctx.store.now(),
      currency: req(p, "currency").toLowerCase(), custom_unit_amount: null, lookup_key: null, nickname: str(p, "nickname") ?? null, product: product.id,
      recurring: interval ? { interval, interval_count: int(recurring!, "interval_count") ?? 1, meter: null, trial_period_days: null, usage_type: "licensed" } : null,
      tax_behavior: (str(p, "tax_behavior") as Stripe.Price.TaxBehavior) ?? "unspecified", tiers_mode: null, transform_quantity: null,
      type: interval ? "recurring" : "one_time", unit_amount: unitAmount, unit_amount_decimal: String(unitAmount),
    } as unknown as Partial<Stripe.Price> & { id: string })
    price.metadata = mergeMetadata({}, p)
    writeLookupKey(ctx, price, p)
    ctx.store.put(price)
    ctx.emit("price.created", price)
    return price
  },
  "GET /v1/prices/:id": (ctx, _p, { id }) => ctx.store.get<Stripe.Price>(id!, "price"),
  "POST /v1/prices/:id": (ctx, p, { id }) => {
    allow(p, PRICE_UPDATE)
    const price = ctx.store.get<Stripe.Price>(id!, "price")
    if (p.active !== undefined) price.active = bool(p, "active")!
    if (p.nickname !== undefined) price.nickname = str(p, "nickname") || null
    price.metadata = mergeMetadata(price.metadata, p)
    writeLookupKey(ctx, price, p)
    ctx.store.put(price)
    ctx.emit("price.updated", price)
    return price
  },
  "GET /v1/prices": (ctx, p) => {
    allow(p, ["active", "product", "lookup_keys", "type", "currency", "limit", "starting_after", "ending_before", "recurring"])
    const keys = list(p, "lookup_keys")?.map(String)
    const active = bool(p, "active")
    const product = str(p, "product")
    return paginate(
      ctx.store.all<Stripe.Price>("price", (x) => (active === undefined || x.active === active) && (!product || x.product === product) && (!keys || keys.includes(x.lookup_key ?? ""))),
      p,
      "/v1/prices",
    )
  },
}

// ---------- customers and payment methods ----------
const CUSTOMER_FIELDS = ["email", "name", "metadata", "address", "shipping", "phone", "description", "invoice_settings", "payment_method", "preferred_locales", "invoice_prefix"]

function writeCustomer(ctx: Ctx, c: Stripe.Customer, p: Params) {
  if (p.email !== undefined) c.email = str(p, "email") || null
  if (p.name !== undefined) c.name = str(p, "name") || null
  if (p.phone !== undefined) c.phone = str(p, "phone") || null
  if (p.description !== undefined) c.description = str(p, "description") || null
  c.address = p.address === "" ? null : address(obj(p, "address"), "address", c.address ?? null)
  const shipping = p.shipping === "" ? null : obj(p, "shipping")
  if (shipping === null) c.shipping = null
  else if (shipping) {
    allow(shipping, ["name", "address", "phone"], "shipping")
    c.shipping = { name: req(shipping, "name"), phone: str(shipping, "phone") ?? null, address: address(obj(shipping, "address"), "shipping[address]", c.shipping?.address ?? null)! }
  }
  const settings = obj(p, "invoice_settings")
  if (settings) {
    allow(settings, ["default_payment_method", "custom_fields", "footer"], "invoice_settings")
    if (settings.default_payment_method !== undefined) {
      const pmId = str(settings, "default_payment_method") || null
      if (pmId) {
        const pm = ctx.store.get<StoredPm>(pmId, "payment method", "payment_method", "invoice_settings[default_payment_method]")
        if (pm.customer !== c.id)
          throw invalid("invoice_settings[default_payment_method]", `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`)
      }
      c.invoice_settings = { ...c.invoice_settings, default_payment_method: pmId }
    }
  }
  c.metadata = mergeMetadata(c.metadata, p)
}

export function createCustomer(ctx: Ctx, p: Params): Stripe.Customer {
  const c = fromFixture<Stripe.Customer>("customer", {
    id: ctx.store.id("cus", 14), object: "customer", address: null, balance: 0, created: ctx.store.now(), currency: null, default_source: null,
    delinquent: false, description: null, discount: null, email: null, invoice_prefix: ctx.store.id("x", 8).slice(2).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null }, name: null,
    next_invoice_sequence: 1, phone: null, preferred_locales: [], shipping: null, tax_exempt: "none", test_clock: null,
  } as Partial<Stripe.Customer> & { id: string })
  const pmId = str(p, "payment_method")
  writeCustomer(ctx, c, { ...p, payment_method: undefined, invoice_settings: undefined })
  ctx.store.put(c)
  ctx.emit("customer.created", c)
  if (pmId) attachPaymentMethod(ctx, ctx.store.get<StoredPm>(resolvePmToken(ctx, pmId), "payment method", "payment_method", "payment_method"), c)
  if (p.invoice_settings) updateCustomer(ctx, c, { invoice_settings: p.invoice_settings })
  return c
}

/** Stripe's previous_attributes: the old values of the top-level fields that changed. */
function changedFrom(before: Record<string, unknown>, after: object) {
  const previous: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(v) !== JSON.stringify(before[k])) previous[k] = before[k]
  return previous
}

export function updateCustomer(ctx: Ctx, c: Stripe.Customer, p: Params) {
  const before = structuredClone(c) as unknown as Record<string, unknown>
  writeCustomer(ctx, c, p)
  const previous = changedFrom(before, c)
  ctx.store.put(c)
  if (Object.keys(previous).length) ctx.emit("customer.updated", c, previous)
  return c
}

const liveCustomer = (ctx: Ctx, id: string, param = "id") => ctx.store.get<Stripe.Customer>(id, "customer", "customer", param)

/** `email:'a@b.c' AND metadata['user_id']:'…'`: the subset of Stripe's search language used here. */
function searchCustomers(ctx: Ctx, query: string) {
  const clauses = query.split(/\s+AND\s+/i).map((c) => {
    const m = /^(email|name|metadata\['([^']+)'\]|metadata\["([^"]+)"\])\s*:\s*['"](.*)['"]$/.exec(c.trim())
    if (!m) throw invalid("query", `Unsupported or malformed search query clause: ${c}`)
    const key = m[2] ?? m[3]
    return (x: Stripe.Customer) => (key ? x.metadata[key] : (x as unknown as Record<string, unknown>)[m[1]!]) === m[4]
  })
  return ctx.store.all<Stripe.Customer>("customer", (x) => clauses.every((f) => f(x)))
}

function resolvePmToken(ctx: Ctx, id: string) {
  const number = TEST_TOKENS[id]
  if (!number) return id
  return createPaymentMethod(ctx, { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: "123" }, {}).id
}

export function createPaymentMethod(ctx: Ctx, card: { number: string; exp_month: number; exp_year: number; cvc?: string }, billing: Partial<Stripe.PaymentMethod.BillingDetails>) {
  const { card: details, outcome } = checkCard(card, new Date(ctx.store.now() * 1000))
  const pm = fromFixture<StoredPm>("payment_method", {
    id: ctx.store.id("pm"), object: "payment_method", allow_redisplay: "unspecified",
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null, ...billing } as Stripe.PaymentMethod.BillingDetails,
    card: details, created: ctx.store.now(), customer: null, type: "card", _outcome: outcome,
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

const customers: Record<string, Handler> = {
  "POST /v1/customers": (ctx, p) => {
    allow(p, CUSTOMER_FIELDS)
    return createCustomer(ctx, p)
  },
  "GET /v1/customers/search": (ctx, p) => {
    allow(p, ["query", "limit", "page"])
    const data = searchCustomers(ctx, req(p, "query")).sort((a, b) => b.created - a.created)
    return { object: "search_result", data: data.slice(0, Number(p.limit ?? 10)), has_more: data.length > Number(p.limit ?? 10), next_page: null, url: "/v1/customers/search" }
  },
  "GET /v1/customers/:id": (ctx, _p, { id }) => {
    const c = ctx.store.find<Stripe.Customer & { deleted?: boolean }>(id)
    if (!c || c.object !== "customer") throw missing("customer", id!)
    return c.deleted ? { id: c.id, object: "customer", deleted: true } : c
  },
  "POST /v1/customers/:id": (ctx, p, { id }) => {
    allow(p, CUSTOMER_FIELDS.filter((f) => f !== "payment_method"))
    return updateCustomer(ctx, liveCustomer(ctx, id!), p)
  },
  "DELETE /v1/customers/:id": (ctx, _p, { id }) => {
    const c = liveCustomer(ctx, id!)
    for (const sub of ctx.store.all<Stripe.Subscription>("subscription", (s) => s.customer === c.id)) cancelNow(ctx, sub)
    ;(c as unknown as { deleted: boolean }).deleted = true
    ctx.store.put(c)
    ctx.emit("customer.deleted", c)
    return { id: c.id, object: "customer", deleted: true }
  },
  "GET /v1/customers": (ctx, p) => {
    allow(p, ["email", "limit", "starting_after", "ending_before", "created", "test_clock"])
    const email = str(p, "email")
    return paginate(ctx.store.all<Stripe.Customer>("customer", (c) => !email || c.email === email), p, "/v1/customers")
  },
  "GET /v1/customers/:id/payment_methods": (ctx, p, { id }) =>
    paginate(ctx.store.all<StoredPm>("payment_method", (pm) => pm.customer === liveCustomer(ctx, id!).id), p, `/v1/customers/${id}/payment_methods`),
}

const paymentMethods: Record<string, Handler> = {
  "POST /v1/payment_methods": (ctx, p) => {
    allow(p, ["type", "card", "billing_details", "metadata"])
    if (req(p, "type") !== "card") throw invalid("type", "Only type=card is emulated.")
    const card = obj(p, "card") ?? {}
    if (typeof card.token === "string") return ctx.store.get(resolvePmToken(ctx, card.token.replace(/^tok_/, "pm_card_")), "payment method", "payment_method")
    allow(card, ["number", "exp_month", "exp_year", "cvc"], "card")
    return createPaymentMethod(ctx, { number: req(card, "number"), exp_month: int(card, "exp_month") ?? 0, exp_year: int(card, "exp_year") ?? 0, cvc: str(card, "cvc") }, (obj(p, "billing_details") ?? {}) as never)
  },
  "GET /v1/payment_methods/:id": (ctx, _p, { id }) => ctx.store.get<StoredPm>(resolvePmToken(ctx, id!), "payment method", "payment_method"),
  "POST /v1/payment_methods/:id/attach": (ctx, p, { id }) => {
    allow(p, ["customer"])
    const pm = ctx.store.get<StoredPm>(resolvePmToken(ctx, id!), "payment method", "payment_method")
    return attachPaymentMethod(ctx, pm, liveCustomer(ctx, req(p, "customer"), "customer"))
  },
  "POST /v1/payment_methods/:id/detach": (ctx, _p, { id }) => {
    const pm = ctx.store.get<StoredPm>(id!, "payment method", "payment_method")
    if (!pm.customer) throw invalid("payment_method", "The payment method you provided is not attached to a customer so detachment is impossible.")
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
    return paginate(ctx.store.all<StoredPm>("payment_method", (pm) => !!customer && pm.customer === customer), p, "/v1/payment_methods")
  },
}

// ---------- checkout ----------
const checkout: Record<string, Handler> = {
  "POST /v1/checkout/sessions": (ctx, p) => {
    allow(p, ["mode", "line_items", "customer", "customer_email", "client_reference_id", "metadata", "subscription_data", "allow_promotion_codes",
      "success_url", "cancel_url", "payment_method_types", "billing_address_collection", "customer_update", "locale", "expires_at", "ui_mode", "saved_payment_method_options", "consent_collection", "tax_id_collection"])
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
    if (trial !== undefined && (trial < 1 || trial > 730)) throw invalid("subscription_data[trial_period_days]", "trial_period_days must be between 1 and 730.")
    const [first] = items as [{ price: Stripe.Price; quantity: number }]
    const now = ctx.store.now()
    const id = ctx.store.id("cs_test", 58)
    const session = fromFixture<StoredSession>("checkout.session", {
      id, object: "checkout.session", after_expiration: null, allow_promotion_codes: bool(p, "allow_promotion_codes") ?? null,
      amount_subtotal: (first.price.unit_amount ?? 0) * first.quantity, amount_total: trial ? 0 : (first.price.unit_amount ?? 0) * first.quantity,
      billing_address_collection: (str(p, "billing_address_collection") as "auto") ?? null, cancel_url: str(p, "cancel_url") ?? null,
      client_reference_id: str(p, "client_reference_id") ?? null, client_secret: null, created: now, currency: first.price.currency,
      customer: customer?.id ?? null, customer_creation: customer ? null : "always", customer_details: null, customer_email: email ?? null,
      expires_at: int(p, "expires_at") ?? now + 86_400, invoice: null, locale: null, metadata: mergeMetadata({}, p), mode: "subscription",
      payment_intent: null, payment_link: null, payment_method_types: ["card"], payment_status: "unpaid", status: "open", subscription: null,
      success_url: successUrl, ui_mode: "hosted", url: `${ctx.baseUrl}/c/pay/${id}`,
      _line_items: items.map((i) => ({ price: i.price.id, quantity: i.quantity })),
      _subscription_data: { metadata: mergeMetadata({}, sd), trial_period_days: trial, description: str(sd, "description") },
    } as Partial<StoredSession> & { id: string })
    return ctx.store.put(session)
  },
  "GET /v1/checkout/sessions/:id": (ctx, _p, { id }) => ctx.store.get<StoredSession>(id!, "checkout.session", "checkout.session"),
  "GET /v1/checkout/sessions": (ctx, p) => {
    const sub = str(p, "subscription")
    const customer = str(p, "customer")
    return paginate(ctx.store.all<StoredSession>("checkout.session", (s) => (!sub || s.subscription === sub) && (!customer || s.customer === customer)), p, "/v1/checkout/sessions")
  },
  "GET /v1/checkout/sessions/:id/line_items": (ctx, p, { id }) => {
    const s = ctx.store.get<StoredSession>(id!, "checkout.session", "checkout.session")
    const data = s._line_items.map((li, i) => {
      const price = ctx.store.get<Stripe.Price>(li.price, "price")
      const amount = (price.unit_amount ?? 0) * li.quantity
      return { id: `li_${s.id.slice(8, 30)}${i}`, object: "item", amount_discount: 0, amount_subtotal: amount, amount_tax: 0, amount_total: amount, currency: price.currency, description: price.nickname ?? "", price, quantity: li.quantity, created: s.created }
    })
    return paginate(data, p, `/v1/checkout/sessions/${id}/line_items`)
  },
  "POST /v1/checkout/sessions/:id/expire": (ctx, _p, { id }) => {
    const s = ctx.store.get<StoredSession>(id!, "checkout.session", "checkout.session")
    if (s.status !== "open") throw invalid("session", `Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of ${s.status}.`)
    Object.assign(s, { status: "expired", url: null })
    ctx.store.put(s)
    ctx.emit("checkout.session.expired", s)
    return s
  },
}

// ---------- subscriptions and invoices ----------
const SUB_STATUSES = ["active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing", "paused", "all", "ended"]

function subscriptionItemsParam(ctx: Ctx, sub: Stripe.Subscription | null, p: Params) {
  const items = list(p, "items")
  if (!items) return undefined
  if (items.length !== 1) throw invalid("items", "The emulator supports subscriptions with exactly one item.")
  const raw = items[0] as Params
  allow(raw, ["id", "price", "quantity", "deleted", "metadata"], "items[0]")
  if (sub && raw.id !== undefined && raw.id !== sub.items.data[0]?.id) throw missing("subscription_item", String(raw.id), "items[0][id]")
  return { price: raw.price ? recurringPrice(ctx, String(raw.price), "items[0][price]") : undefined, quantity: int(raw, "quantity") }
}

const subscriptions: Record<string, Handler> = {
  "POST /v1/subscriptions": (ctx, p) => {
    allow(p, ["customer", "items", "default_payment_method", "trial_period_days", "metadata", "payment_behavior", "description", "proration_behavior", "collection_method"])
    const customer = liveCustomer(ctx, req(p, "customer"), "customer")
    const change = subscriptionItemsParam(ctx, null, p)
    if (!change?.price) throw invalid("items", "Missing required param: items.")
    const pm = str(p, "default_payment_method")
    if (pm) ctx.store.get(pm, "payment method", "payment_method", "default_payment_method")
    const sub = createSubscription(ctx, { customer, price: change.price, quantity: change.quantity ?? 1, metadata: mergeMetadata({}, p), trialDays: int(p, "trial_period_days"), paymentMethod: pm ?? null, description: str(p, "description") })
    if (sub.status === "incomplete" && str(p, "payment_behavior") === "error_if_incomplete") throw invalid("payment_behavior", "Your card was declined.")
    return sub
  },
  "GET /v1/subscriptions/:id": (ctx, _p, { id }) => ctx.store.get(id!, "subscription"),
  "POST /v1/subscriptions/:id": (ctx, p, { id }) => {
    allow(p, ["cancel_at_period_end", "cancel_at", "items", "proration_behavior", "default_payment_method", "metadata", "cancellation_details", "description", "payment_behavior"])
    const sub = ctx.store.get<Stripe.Subscription>(id!, "subscription")
    if (sub.status === "canceled" || sub.status === "incomplete_expired")
      throw invalid("subscription", "A canceled subscription can only update its cancellation_details and metadata.")
    const previous: Record<string, unknown> = {}
    const set = <K extends keyof Stripe.Subscription>(k: K, v: Stripe.Subscription[K]) => {
      if (JSON.stringify(sub[k]) === JSON.stringify(v)) return
      previous[k] = sub[k]
      sub[k] = v
    }
    const end = sub.items.data[0]!.current_period_end
    const cape = bool(p, "cancel_at_period_end")
    if (cape !== undefined) {
      set("cancel_at_period_end", cape)
      set("cancel_at", cape ? end : null)
      set("canceled_at", cape ? ctx.store.now() : null)
    }
    if (p.cancel_at !== undefined) {
      const at = int(p, "cancel_at") ?? null
      set("cancel_at", at)
      set("cancel_at_period_end", false)
      set("canceled_at", at ? ctx.store.now() : null)
    }
    const details = obj(p, "cancellation_details")
    if (details || cape !== undefined) {
      if (details) allow(details, ["comment", "feedback"], "cancellation_details")
      set("cancellation_details", {
        comment: details ? str(details, "comment") || null : sub.cancellation_details?.comment ?? null,
        feedback: details ? ((str(details, "feedback") || null) as Stripe.Subscription.CancellationDetails.Feedback | null) : sub.cancellation_details?.feedback ?? null,
        feedback_option: null,
        reason: sub.cancel_at ? "cancellation_requested" : null,
      })
    }
    if (p.default_payment_method !== undefined) set("default_payment_method", str(p, "default_payment_method") || null)
    if (p.description !== undefined) set("description", str(p, "description") || null)
    const meta = mergeMetadata(sub.metadata, p)
    set("metadata", meta)
    if (Object.keys(previous).length) {
      ctx.store.put(sub)
      ctx.emit("customer.subscription.updated", sub, previous)
    }
    const change = subscriptionItemsParam(ctx, sub, p)
    if (change) changeItem(ctx, sub, { ...change, proration: (str(p, "proration_behavior") as "none") ?? "create_prorations" })
    return sub
  },
  "DELETE /v1/subscriptions/:id": (ctx, p, { id }) => {
    allow(p, ["cancellation_details", "invoice_now", "prorate"])
    const sub = ctx.store.get<Stripe.Subscription>(id!, "subscription")
    if (sub.status === "canceled") throw invalid("subscription", `No such subscription: '${id}'; it has already been canceled.`)
    const details = obj(p, "cancellation_details")
    cancelNow(ctx, sub, details ? { comment: str(details, "comment") ?? null, feedback: (str(details, "feedback") as never) ?? null } : undefined)
    return sub
  },
  "POST /v1/subscriptions/:id/resume": (ctx, _p, { id }) => {
    const sub = ctx.store.get<Stripe.Subscription>(id!, "subscription")
    if (sub.status !== "paused") throw invalid("subscription", "Only paused subscriptions can be resumed.")
    sub.status = "active"
    ctx.store.put(sub)
    ctx.emit("customer.subscription.resumed", sub, { status: "paused" })
    return sub
  },
  "GET /v1/subscriptions": (ctx, p) => {
    allow(p, ["customer", "status", "price", "limit", "starting_after", "ending_before", "created", "test_clock"])
    const customer = str(p, "customer")
    const status = str(p, "status")
    if (status && !SUB_STATUSES.includes(status)) throw invalid("status", `Invalid status: must be one of ${SUB_STATUSES.join(", ")}`)
    const price = str(p, "price")
    const visible = (s: Stripe.Subscription) =>
      status === "all" ? true : status === "ended" ? ["canceled", "incomplete_expired"].includes(s.status) : status ? s.status === status : s.status !== "canceled" && s.status !== "incomplete_expired"
    return paginate(
      ctx.store.all<Stripe.Subscription>("subscription", (s) => (!customer || s.customer === customer) && visible(s) && (!price || s.items.data[0]?.price.id === price)),
      p,
      "/v1/subscriptions",
    )
  },
  "GET /v1/invoices/:id": (ctx, _p, { id }) => ctx.store.get(id!, "invoice"),
  "GET /v1/invoices": (ctx, p) => {
    allow(p, ["customer", "subscription", "status", "limit", "starting_after", "ending_before", "created", "collection_method"])
    const customer = str(p, "customer")
    const sub = str(p, "subscription")
    const status = str(p, "status")
    return paginate(
      ctx.store.all<Stripe.Invoice>("invoice", (i) => (!customer || i.customer === customer) && (!sub || i.parent?.subscription_details?.subscription === sub) && (!status || i.status === status)),
      p,
      "/v1/invoices",
    )
  },
  "POST /v1/invoices/:id/pay": (ctx, _p, { id }) => {
    const inv = ctx.store.get<Stripe.Invoice>(id!, "invoice")
    if (inv.status !== "open") throw invalid("invoice", "Invoice is already paid.")
    retryOpenInvoices(ctx, inv.customer as string)
    if (inv.status !== "paid") throw new StripeApiError(402, "card_error", "Your card was declined.", { code: "card_declined", decline_code: "generic_decline" })
    return inv
  },
}

// ---------- billing portal ----------
type PortalConfig = Stripe.BillingPortal.Configuration
const FEATURE_KEYS = ["customer_update", "invoice_history", "payment_method_update", "subscription_cancel", "subscription_update", "subscription_pause"]

function writeFeatures(ctx: Ctx, cfg: PortalConfig, f: Params | undefined) {
  if (!f) return
  allow(f, FEATURE_KEYS, "features")
  const cu = obj(f, "customer_update")
  if (cu) {
    allow(cu, ["enabled", "allowed_updates"], "features[customer_update]")
    cfg.features.customer_update = {
      enabled: bool(cu, "enabled") ?? cfg.features.customer_update.enabled,
      allowed_updates: cu.allowed_updates !== undefined ? ((list(cu, "allowed_updates") ?? []) as Stripe.BillingPortal.Configuration.Features.CustomerUpdate.AllowedUpdate[]) : cfg.features.customer_update.allowed_updates,
    }
  }
  const ih = obj(f, "invoice_history")
  if (ih) cfg.features.invoice_history = { enabled: bool(ih, "enabled") ?? false }
  const pmu = obj(f, "payment_method_update")
  if (pmu) cfg.features.payment_method_update = { enabled: bool(pmu, "enabled") ?? false, payment_method_configuration: null }
  const sc = obj(f, "subscription_cancel")
  if (sc) {
    allow(sc, ["enabled", "mode", "proration_behavior", "cancellation_reason"], "features[subscription_cancel]")
    const reason = obj(sc, "cancellation_reason")
    cfg.features.subscription_cancel = {
      ...cfg.features.subscription_cancel,
      enabled: bool(sc, "enabled") ?? cfg.features.subscription_cancel.enabled,
      mode: (str(sc, "mode") as "at_period_end") ?? cfg.features.subscription_cancel.mode,
      proration_behavior: (str(sc, "proration_behavior") as "none") ?? cfg.features.subscription_cancel.proration_behavior,
      cancellation_reason: reason
        ? { enabled: bool(reason, "enabled") ?? false, feedback_options: null, options: (list(reason, "options") ?? []) as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel.CancellationReason.Option[] }
        : cfg.features.subscription_cancel.cancellation_reason,
    }
  }
  const su = obj(f, "subscription_update")
  if (su) {
    allow(su, ["enabled", "default_allowed_updates", "products", "proration_behavior", "schedule_at_period_end", "trial_update_behavior", "billing_cycle_anchor"], "features[subscription_update]")
    const prods = list(su, "products")
    cfg.features.subscription_update = {
      ...cfg.features.subscription_update,
      enabled: bool(su, "enabled") ?? cfg.features.subscription_update.enabled,
      default_allowed_updates: su.default_allowed_updates !== undefined ? ((list(su, "default_allowed_updates") ?? []) as never) : cfg.features.subscription_update.default_allowed_updates,
      proration_behavior: (str(su, "proration_behavior") as "none") ?? cfg.features.subscription_update.proration_behavior,
      products: prods
        ? prods.map((raw, i) => {
            const pr = raw as Params
            const product = ctx.store.get<Stripe.Product>(req(pr, "product"), "product", "product", `features[subscription_update][products][${i}][product]`).id
            const priceIds = (list(pr, "prices") ?? []).map(String)
            for (const id of priceIds) if (ctx.store.get<Stripe.Price>(id, "price", "price", `features[subscription_update][products][${i}][prices]`).product !== product)
              throw invalid(`features[subscription_update][products][${i}][prices]`, `The price ${id} does not belong to product ${product}.`)
            return { product, prices: priceIds, adjustable_quantity: { enabled: false, maximum: null, minimum: 1 } }
          })
        : (cfg.features.subscription_update as { products?: unknown }).products,
    } as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate
  }
  if (cfg.features.subscription_update.enabled && !((cfg.features.subscription_update as { products?: unknown[] }).products?.length))
    throw invalid("features[subscription_update][products]", "Missing required param: features[subscription_update][products] when subscription_update is enabled.")
}

function writeConfig(ctx: Ctx, cfg: PortalConfig, p: Params) {
  const bp = obj(p, "business_profile")
  if (bp) {
    allow(bp, ["headline", "privacy_policy_url", "terms_of_service_url"], "business_profile")
    cfg.business_profile = {
      headline: bp.headline !== undefined ? str(bp, "headline") || null : cfg.business_profile.headline,
      privacy_policy_url: bp.privacy_policy_url !== undefined ? str(bp, "privacy_policy_url") || null : cfg.business_profile.privacy_policy_url,
      terms_of_service_url: bp.terms_of_service_url !== undefined ? str(bp, "terms_of_service_url") || null : cfg.business_profile.terms_of_service_url,
    }
  }
  if (p.default_return_url !== undefined) cfg.default_return_url = str(p, "default_return_url") || null
  if (p.active !== undefined) cfg.active = bool(p, "active")!
  if (p.name !== undefined) cfg.name = str(p, "name") || null
  writeFeatures(ctx, cfg, obj(p, "features"))
  cfg.metadata = mergeMetadata(cfg.metadata ?? {}, p)
  cfg.updated = ctx.store.now()
}

const CONFIG_FIELDS = ["business_profile", "features", "default_return_url", "metadata", "name", "login_page", "active"]
const FLOW_TYPES = ["payment_method_update", "subscription_cancel", "subscription_update", "subscription_update_confirm"]

const portal: Record<string, Handler> = {
  "POST /v1/billing_portal/configurations": (ctx, p) => {
    allow(p, CONFIG_FIELDS.filter((k) => k !== "active"))
    if (!obj(p, "features")) throw invalid("features", "Missing required param: features.")
    const cfg = fromFixture<PortalConfig>("billing_portal.configuration", {
      id: ctx.store.id("bpc"), object: "billing_portal.configuration", active: true, application: null,
      business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null }, created: ctx.store.now(), default_return_url: null,
      features: {
        customer_update: { allowed_updates: [], enabled: false },
        invoice_history: { enabled: false },
        payment_method_update: { enabled: false, payment_method_configuration: null },
        subscription_cancel: { cancellation_reason: { enabled: false, options: [] }, enabled: false, mode: "at_period_end", proration_behavior: "none" },
        subscription_update: { default_allowed_updates: [], enabled: false, proration_behavior: "none", products: [], schedule_at_period_end: { conditions: [] }, trial_update_behavior: "end_trial", billing_cycle_anchor: null },
      } as unknown as Stripe.BillingPortal.Configuration.Features,
      is_default: ctx.store.all("billing_portal.configuration").length === 0, login_page: { enabled: false, url: null }, name: null,
    } as Partial<PortalConfig> & { id: string })
    writeConfig(ctx, cfg, p)
    ctx.store.put(cfg)
    ctx.emit("billing_portal.configuration.created", cfg)
    return cfg
  },
  "GET /v1/billing_portal/configurations/:id": (ctx, _p, { id }) => ctx.store.get(id!, "billing portal configuration", "billing_portal.configuration"),
  "POST /v1/billing_portal/configurations/:id": (ctx, p, { id }) => {
    allow(p, CONFIG_FIELDS)
    const cfg = ctx.store.get<PortalConfig>(id!, "billing portal configuration", "billing_portal.configuration")
    writeConfig(ctx, cfg, p)
    ctx.store.put(cfg)
    ctx.emit("billing_portal.configuration.updated", cfg)
    return cfg
  },
  "GET /v1/billing_portal/configurations": (ctx, p) => {
    const active = bool(p, "active")
    const isDefault = bool(p, "is_default")
    return paginate(
      ctx.store.all<PortalConfig>("billing_portal.configuration", (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault)),
      p,
      "/v1/billing_portal/configurations",
    )
  },
  "POST /v1/billing_portal/sessions": (ctx, p) => {
    allow(p, ["customer", "return_url", "configuration", "flow_data", "locale", "on_behalf_of"])
    const customer = liveCustomer(ctx, req(p, "customer"), "customer")
    const cfgId = str(p, "configuration")
    const cfg = cfgId
      ? ctx.store.get<PortalConfig>(cfgId, "billing portal configuration", "billing_portal.configuration", "configuration")
      : ctx.store.all<PortalConfig>("billing_portal.configuration", (c) => c.is_default)[0]
    if (!cfg)
      throw invalid("configuration", "No configuration provided and your test mode default configuration has not been created. Provide a configuration or create your default by saving your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.")
    if (!cfg.active) throw invalid("configuration", "The configuration is inactive.")
    const returnUrl = str(p, "return_url") ?? cfg.default_return_url
    const flowData = obj(p, "flow_data")
    let flow: Stripe.BillingPortal.Session.Flow | null = null
    if (flowData) {
      allow(flowData, ["type", "after_completion", ...FLOW_TYPES], "flow_data")
      const type = req(flowData, "type")
      if (!FLOW_TYPES.includes(type)) throw invalid("flow_data[type]", `Invalid flow_data[type]: must be one of ${FLOW_TYPES.join(", ")}`)
      const feature = type === "subscription_update_confirm" ? "subscription_update" : type
      if (!(cfg.features as unknown as Record<string, { enabled: boolean }>)[feature]?.enabled)
        throw invalid("flow_data[type]", `This flow cannot be used because the ${feature} feature is disabled in the portal configuration.`)
      const detail = obj(flowData, type)
      let subscription: string | null = null
      if (type !== "payment_method_update") {
        subscription = detail ? req(detail, "subscription") : ""
        if (!subscription) throw invalid(`flow_data[${type}][subscription]`, `Missing required param: flow_data[${type}][subscription].`)
        const sub = ctx.store.get<Stripe.Subscription>(subscription, "subscription", "subscription", `flow_data[${type}][subscription]`)
        if (sub.customer !== customer.id) throw invalid(`flow_data[${type}][subscription]`, "The subscription does not belong to this customer.")
        if (["canceled", "incomplete_expired"].includes(sub.status)) throw invalid(`flow_data[${type}][subscription]`, "The subscription is canceled and cannot be updated.")
        if (type === "subscription_cancel" && sub.cancel_at_period_end) throw invalid(`flow_data[${type}][subscription]`, "The subscription is already set to be canceled.")
      }
      const after = obj(flowData, "after_completion")
      const afterType = after ? req(after, "type") : "portal_homepage"
      const redirect = after && obj(after, "redirect")
      if (afterType === "redirect" && !redirect?.return_url) throw invalid("flow_data[after_completion][redirect][return_url]", "Missing required param: flow_data[after_completion][redirect][return_url].")
      flow = {
        type: type as Stripe.BillingPortal.Session.Flow.Type,
        after_completion: {
          type: afterType as "redirect",
          redirect: afterType === "redirect" ? { return_url: String(redirect!.return_url) } : null,
          hosted_confirmation: afterType === "hosted_confirmation" ? { custom_message: null } : null,
        },
        payment_method_update: null,
        subscription_cancel: type === "subscription_cancel" ? { retention: null, subscription: subscription! } : null,
        subscription_update: type === "subscription_update" ? { subscription: subscription! } : null,
        subscription_update_confirm: null,
        customer_update: null,
        subscription_pause: null,
      } as Stripe.BillingPortal.Session.Flow
    }
    const id = ctx.store.id("bps")
    const session = fromFixture<Stripe.BillingPortal.Session>("billing_portal.session", {
      id, object: "billing_portal.session", configuration: cfg.id, created: ctx.store.now(), customer: customer.id, flow, locale: null,
      on_behalf_of: null, return_url: returnUrl, url: `${ctx.baseUrl}/p/session/${id}`,
    } as Partial<Stripe.BillingPortal.Session> & { id: string })
    ctx.store.put(session)
    ctx.emit("billing_portal.session.created", session)
    return session
  },
}

// ---------- events, webhook endpoints, time ----------
const events: Record<string, Handler> = {
  "GET /v1/events/:id": (ctx, _p, { id }) => ctx.store.get(id!, "event"),
  "GET /v1/events": (ctx, p) => {
    allow(p, ["type", "types", "limit", "starting_after", "ending_before", "created", "delivery_success"])
    const type = str(p, "type")
    const types = list(p, "types")?.map(String)
    const match = (t: string) => (!type || (type.endsWith("*") ? t.startsWith(type.slice(0, -1)) : t === type)) && (!types || types.includes(t))
    return paginate(ctx.store.all<Stripe.Event>("event", (e) => match(e.type)), p, "/v1/events")
  },
  "POST /v1/webhook_endpoints": (ctx, p) => {
    allow(p, ["url", "enabled_events", "description", "metadata", "api_version", "connect"])
    const url = req(p, "url")
    if (!/^https?:\/\//.test(url)) throw invalid("url", "Invalid URL: must be an http(s) URL.")
    const enabled = (list(p, "enabled_events") ?? []).map(String)
    if (enabled.length === 0) throw invalid("enabled_events", "Missing required param: enabled_events.")
    const ep = fromFixture<Endpoint>("webhook_endpoint", {
      id: ctx.store.id("we"), object: "webhook_endpoint", api_version: str(p, "api_version") ?? null, application: null, created: ctx.store.now(),
      description: str(p, "description") ?? null, enabled_events: enabled, metadata: mergeMetadata({}, p), status: "enabled", url,
      secret: `whsec_${ctx.store.id("x", 32).slice(2)}`,
    } as Partial<Endpoint> & { id: string })
    ctx.store.put(ep)
    return ep
  },
  "GET /v1/webhook_endpoints/:id": (ctx, _p, { id }) => {
    const { secret: _secret, ...ep } = ctx.store.get<Endpoint>(id!, "webhook endpoint", "webhook_endpoint")
    return ep
  },
  "POST /v1/webhook_endpoints/:id": (ctx, p, { id }) => {
    allow(p, ["url", "enabled_events", "description", "metadata", "disabled"])
    const ep = ctx.store.get<Endpoint>(id!, "webhook endpoint", "webhook_endpoint")
    if (p.url !== undefined) ep.url = req(p, "url")
    if (p.enabled_events !== undefined) ep.enabled_events = (list(p, "enabled_events") ?? []).map(String)
    if (p.disabled !== undefined) ep.status = bool(p, "disabled") ? "disabled" : "enabled"
    ep.metadata = mergeMetadata(ep.metadata, p)
    ctx.store.put(ep)
    const { secret: _secret, ...out } = ep
    return out
  },
  "DELETE /v1/webhook_endpoints/:id": (ctx, _p, { id }) => {
    const ep = ctx.store.get<Endpoint>(id!, "webhook endpoint", "webhook_endpoint")
    ;(ep as unknown as { deleted: boolean }).deleted = true
    ctx.store.put(ep)
    return { id: ep.id, object: "webhook_endpoint", deleted: true }
  },
  "GET /v1/webhook_endpoints": (ctx, p) =>
    paginate(ctx.store.all<Endpoint>("webhook_endpoint").map(({ secret: _s, ...ep }) => ep), p, "/v1/webhook_endpoints"),
  // Stripe's test clocks, reduced to one clock for the whole emulator: advancing it runs renewals.
  "POST /v1/test_helpers/test_clocks/emulator/advance": (ctx, p) => {
    advanceTo(ctx, int(p, "frozen_time") ?? ctx.store.now())
    return { id: "clock_emulator", object: "test_helpers.test_clock", frozen_time: ctx.store.now(), status: "ready", livemode: false }
  },
}

export const routes: Record<string, Handler> = { ...products, ...prices, ...customers, ...paymentMethods, ...checkout, ...subscriptions, ...portal, ...events }
