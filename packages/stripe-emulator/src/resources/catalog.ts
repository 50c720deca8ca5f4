// Products and prices.
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { invalid } from "../errors"
import { fromDefaults } from "../defaults"
import { allow, missingParam, bool, int, list, mergeMetadata, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { changedFrom, type Handler } from "./shared"

const PRODUCT_FIELDS = [
  "name",
  "description",
  "metadata",
  "active",
  "id",
  "marketing_features",
  "url",
  "statement_descriptor",
  "unit_label",
  "tax_code",
  "images",
  "default_price",
]

function writeProduct(ctx: Ctx, product: Stripe.Product, p: Params) {
  if (p.name !== undefined) product.name = req(p, "name")
  if (p.description !== undefined) product.description = str(p, "description") || null
  if (p.active !== undefined) product.active = bool(p, "active") ?? product.active
  if (p.url !== undefined) product.url = str(p, "url") || null
  if (p.default_price !== undefined)
    product.default_price = ctx.store.get<Stripe.Price>(req(p, "default_price"), "price", "price", "default_price").id
  const features = list(p, "marketing_features")
  if (features) product.marketing_features = features.map((f) => ({ name: String((f as Params).name ?? "") }))
  product.metadata = mergeMetadata(product.metadata, p)
  product.updated = ctx.store.now()
}

export const products: Record<string, Handler> = {
  "POST /v1/products": (ctx, p) => {
    allow(p, PRODUCT_FIELDS)
    const id = str(p, "id") ?? ctx.store.id("prod", 14)
    if (ctx.store.find(id)) throw invalid("id", `Product already exists.`)
    const product = fromDefaults<Stripe.Product>("product", {
      id,
      object: "product",
      active: true,
      created: ctx.store.now(),
      default_price: null,
      description: null,
      images: [],
      marketing_features: [],
      name: req(p, "name"),
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: null,
      unit_label: null,
      url: null,
      type: "service",
    } as Partial<Stripe.Product> & { id: string })
    writeProduct(ctx, product, p)
    ctx.store.put(product)
    ctx.emit("product.created", product)
    return product
  },
  "GET /v1/products/:id": (ctx, p, { id }) => (allow(p, []), ctx.store.get<Stripe.Product>(id, "product")),
  "POST /v1/products/:id": (ctx, p, { id }) => {
    allow(
      p,
      PRODUCT_FIELDS.filter((f) => f !== "id"),
    )
    const product = ctx.store.get<Stripe.Product>(id, "product")
    const before = structuredClone(product) as unknown as Record<string, unknown>
    writeProduct(ctx, product, p)
    ctx.store.put(product)
    ctx.emit("product.updated", product, changedFrom(before, product))
    return product
  },
  "GET /v1/products": (ctx, p) => {
    allow(p, ["active", "ids", "limit", "starting_after", "ending_before", "created", "shippable", "url"])
    const active = bool(p, "active")
    return paginate(
      ctx.store.all<Stripe.Product>("product", (x) => active === undefined || x.active === active),
      p,
      "/v1/products",
    )
  },
}

const PRICE_UPDATE = ["active", "lookup_key", "transfer_lookup_key", "metadata", "nickname", "tax_behavior"]
function writeLookupKey(ctx: Ctx, price: Stripe.Price, p: Params) {
  if (p.lookup_key === undefined) return
  const key = str(p, "lookup_key") || null
  const holder = key && ctx.store.all<Stripe.Price>("price", (x) => x.lookup_key === key && x.id !== price.id)[0]
  if (holder) {
    if (bool(p, "transfer_lookup_key") !== true)
      throw invalid(
        "lookup_key",
        `A price (\`${holder.id}\`) already uses that lookup key. Pass \`transfer_lookup_key=true\` to move it to this price.`,
      )
    holder.lookup_key = null
    ctx.store.put(holder)
  }
  price.lookup_key = key
}

/** `tiers` and `tiers_mode` of a tiered price: ascending `up_to`, the last `inf`. */
function tiersParam(p: Params): { mode: Stripe.Price.TiersMode; tiers: Stripe.Price.Tier[] } {
  const mode = str(p, "tiers_mode")
  if (!mode) throw missingParam("tiers_mode")
  if (mode !== "graduated" && mode !== "volume") throw invalid("tiers_mode", "Invalid tiers_mode: must be one of graduated or volume")
  const raw = list(p, "tiers")
  if (!raw?.length) throw missingParam("tiers")
  let previous = 0
  const tiers = raw.map((t, i) => {
    const tier = t as Params
    const at = `tiers[${i}]`
    allow(tier, ["up_to", "unit_amount", "flat_amount", "unit_amount_decimal", "flat_amount_decimal"], at)
    const upTo = str(tier, "up_to")
    if (!upTo) throw missingParam(`${at}[up_to]`)
    const last = i === raw.length - 1
    if ((upTo === "inf") !== last) throw invalid(`${at}[up_to]`, "The last tier must have up_to=inf, and only the last.")
    const bound = upTo === "inf" ? null : int(tier, "up_to")
    if (bound !== null && (bound === undefined || bound <= previous))
      throw invalid(`${at}[up_to]`, "Tiers must be in ascending order of up_to, each above the last.")
    if (bound) previous = bound
    const unit = int(tier, "unit_amount")
    const flat = int(tier, "flat_amount")
    if (unit === undefined && flat === undefined) throw invalid(at, "Each tier needs unit_amount or flat_amount.")
    if ((unit ?? 0) < 0 || (flat ?? 0) < 0) throw invalid(at, "Tier amounts must be greater than or equal to 0.")
    return {
      flat_amount: flat ?? null,
      flat_amount_decimal: flat === undefined ? null : String(flat),
      unit_amount: unit ?? null,
      unit_amount_decimal: unit === undefined ? null : String(unit),
      up_to: bound,
    } as unknown as Stripe.Price.Tier
  })
  return { mode, tiers }
}

export const prices: Record<string, Handler> = {
  "POST /v1/prices": (ctx, p) => {
    allow(p, [
      "product",
      "currency",
      "unit_amount",
      "recurring",
      "nickname",
      "metadata",
      "active",
      "tax_behavior",
      "billing_scheme",
      "tiers",
      "tiers_mode",
      ...PRICE_UPDATE,
    ])
    const product = ctx.store.get<Stripe.Product>(req(p, "product"), "product", "product", "product")
    const recurring = obj(p, "recurring")
    if (recurring) allow(recurring, ["interval", "interval_count", "usage_type", "meter"], "recurring")
    const interval = recurring && (req(recurring, "interval") as Stripe.Price.Recurring.Interval)
    if (interval && !["day", "week", "month", "year"].includes(interval))
      throw invalid("recurring[interval]", `Invalid recurring[interval]: must be one of day, week, month, or year`)
    const usageType = (recurring && str(recurring, "usage_type")) || "licensed"
    if (usageType !== "licensed" && usageType !== "metered")
      throw invalid("recurring[usage_type]", "Invalid recurring[usage_type]: must be one of licensed or metered")
    const meterId = recurring && str(recurring, "meter")
    // Since 2025-03-31.basil a metered price is priced on a Billing Meter's aggregated usage.
    if (usageType === "metered" && !meterId) throw missingParam("recurring[meter]")
    if (meterId && usageType !== "metered")
      throw invalid("recurring[meter]", "recurring[meter] can only be set when recurring[usage_type] is metered.")
    if (meterId) ctx.store.get(meterId, "billing meter", "billing.meter", "recurring[meter]")
    const scheme = str(p, "billing_scheme") ?? "per_unit"
    if (scheme !== "per_unit" && scheme !== "tiered")
      throw invalid("billing_scheme", "Invalid billing_scheme: must be one of per_unit or tiered")
    const tiers = scheme === "tiered" ? tiersParam(p) : undefined
    if (scheme !== "tiered" && (p.tiers !== undefined || p.tiers_mode !== undefined))
      throw invalid(p.tiers !== undefined ? "tiers" : "tiers_mode", "tiers and tiers_mode can only be set when billing_scheme is tiered.")
    const unitAmount = int(p, "unit_amount")
    if (scheme === "tiered" && unitAmount !== undefined)
      throw invalid("unit_amount", "unit_amount cannot be set when billing_scheme is tiered; set the amounts on the tiers.")
    if (scheme === "per_unit" && unitAmount === undefined) throw missingParam("unit_amount")
    if (unitAmount !== undefined && unitAmount < 0) throw invalid("unit_amount", "This value must be greater than or equal to 0.")
    const price = fromDefaults<Stripe.Price>("price", {
      id: ctx.store.id("price"),
      object: "price",
      active: bool(p, "active") ?? true,
      billing_scheme: scheme,
      created: ctx.store.now(),
      currency: req(p, "currency").toLowerCase(),
      custom_unit_amount: null,
      lookup_key: null,
      nickname: str(p, "nickname") ?? null,
      product: product.id,
      recurring:
        recurring && interval
          ? {
              interval,
              interval_count: int(recurring, "interval_count") ?? 1,
              meter: meterId ?? null,
              trial_period_days: null,
              usage_type: usageType,
            }
          : null,
      tax_behavior: (str(p, "tax_behavior") as Stripe.Price.TaxBehavior) ?? "unspecified",
      tiers_mode: tiers ? tiers.mode : null,
      transform_quantity: null,
      type: interval ? "recurring" : "one_time",
      unit_amount: unitAmount ?? null,
      unit_amount_decimal: unitAmount === undefined ? null : String(unitAmount),
      // Stripe includes `tiers` only when expanded (expand[]=tiers); the emulator always does.
      ...(tiers ? { tiers: tiers.tiers } : {}),
    } as unknown as Partial<Stripe.Price> & { id: string })
    price.metadata = mergeMetadata({}, p)
    writeLookupKey(ctx, price, p)
    ctx.store.put(price)
    ctx.emit("price.created", price)
    return price
  },
  "GET /v1/prices/:id": (ctx, p, { id }) => (allow(p, []), ctx.store.get<Stripe.Price>(id, "price")),
  "POST /v1/prices/:id": (ctx, p, { id }) => {
    allow(p, PRICE_UPDATE)
    const price = ctx.store.get<Stripe.Price>(id, "price")
    const before = structuredClone(price) as unknown as Record<string, unknown>
    if (p.active !== undefined) price.active = bool(p, "active") ?? price.active
    if (p.nickname !== undefined) price.nickname = str(p, "nickname") || null
    price.metadata = mergeMetadata(price.metadata, p)
    writeLookupKey(ctx, price, p)
    ctx.store.put(price)
    ctx.emit("price.updated", price, changedFrom(before, price))
    return price
  },
  "GET /v1/prices": (ctx, p) => {
    allow(p, ["active", "product", "lookup_keys", "type", "currency", "limit", "starting_after", "ending_before", "recurring"])
    const keys = list(p, "lookup_keys")?.map(String)
    const active = bool(p, "active")
    const product = str(p, "product")
    return paginate(
      ctx.store.all<Stripe.Price>(
        "price",
        (x) =>
          (active === undefined || x.active === active) &&
          (!product || x.product === product) &&
          (!keys || keys.includes(x.lookup_key ?? "")),
      ),
      p,
      "/v1/prices",
    )
  },
}
