// Coupons and promotion codes (the customer-facing codes that redeem a coupon).
import { randomBytes } from "node:crypto"
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { fromDefaults } from "../defaults"
import { freshCoupon } from "../discounts"
import { invalid, missing } from "../errors"
import { allow, bool, int, list, mergeMetadata, missingParam, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import type { Handler } from "./shared"

const DURATIONS = ["once", "repeating", "forever"]
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
const randomCode = (length: number) => [...randomBytes(length)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("")

function getCoupon(ctx: Ctx, id: string, param = "id") {
  const c = ctx.store.find<Stripe.Coupon>(id)
  if (!c || c.object !== "coupon" || c.deleted) throw missing("coupon", id, param)
  return freshCoupon(ctx, c)
}

function createCoupon(ctx: Ctx, p: Params): Stripe.Coupon {
  allow(p, [
    "id",
    "name",
    "percent_off",
    "amount_off",
    "currency",
    "duration",
    "duration_in_months",
    "max_redemptions",
    "redeem_by",
    "applies_to",
    "metadata",
  ])
  const id = str(p, "id") || randomCode(8)
  if (ctx.store.find(id)) throw invalid("id", "Coupon already exists.")
  const percent = p.percent_off === undefined || p.percent_off === "" ? undefined : Number(p.percent_off)
  const amount = int(p, "amount_off")
  if (percent !== undefined && amount !== undefined)
    throw invalid("percent_off", "You may only specify one of these parameters: amount_off, percent_off.")
  if (percent === undefined && amount === undefined) throw invalid("percent_off", "You must pass either `amount_off` or `percent_off`.")
  if (percent !== undefined && !(percent > 0 && percent <= 100))
    throw invalid("percent_off", "Invalid percent_off: must be greater than 0 and at most 100.")
  if (amount !== undefined && amount < 1) throw invalid("amount_off", "This value must be greater than or equal to 1.")
  const currency = str(p, "currency")?.toLowerCase()
  if (amount !== undefined && !currency) throw invalid("currency", "You must specify a currency when using amount_off.")
  const duration = str(p, "duration") ?? "once"
  if (!DURATIONS.includes(duration)) throw invalid("duration", "Invalid duration: must be one of forever, once, or repeating")
  const months = int(p, "duration_in_months")
  if (duration === "repeating" && !months) throw missingParam("duration_in_months")
  if (duration !== "repeating" && months !== undefined)
    throw invalid("duration_in_months", "duration_in_months can only be specified when duration is repeating.")
  if (months !== undefined && months < 1) throw invalid("duration_in_months", "This value must be greater than or equal to 1.")
  const max = int(p, "max_redemptions")
  if (max !== undefined && max < 1) throw invalid("max_redemptions", "This value must be greater than or equal to 1.")
  const redeemBy = int(p, "redeem_by")
  if (redeemBy !== undefined && redeemBy <= ctx.store.now()) throw invalid("redeem_by", "Date must be in the future.")
  const at = obj(p, "applies_to")
  if (at) allow(at, ["products"], "applies_to")
  const products =
    at &&
    (list(at, "products") ?? []).map(
      (x, i) => ctx.store.get<Stripe.Product>(String(x), "product", "product", `applies_to[products][${i}]`).id,
    )
  const coupon = fromDefaults<Stripe.Coupon>("coupon", {
    id,
    object: "coupon",
    amount_off: amount ?? null,
    ...(products ? { applies_to: { products } } : {}),
    created: ctx.store.now(),
    currency: amount !== undefined ? (currency ?? null) : null,
    duration: duration as Stripe.Coupon.Duration,
    duration_in_months: months ?? null,
    max_redemptions: max ?? null,
    metadata: mergeMetadata({}, p),
    name: str(p, "name") || null,
    percent_off: percent ?? null,
    redeem_by: redeemBy ?? null,
    times_redeemed: 0,
    valid: true,
  })
  ctx.store.put(coupon)
  ctx.emit("coupon.created", coupon)
  return coupon
}

export const coupons: Record<string, Handler> = {
  "POST /v1/coupons": (ctx, p) => createCoupon(ctx, p),
  "GET /v1/coupons/:id": (ctx, p, { id }) => (allow(p, []), getCoupon(ctx, id)),
  "POST /v1/coupons/:id": (ctx, p, { id }) => {
    allow(p, ["name", "metadata"])
    const c = getCoupon(ctx, id)
    const previous: Record<string, unknown> = {}
    if (p.name !== undefined) {
      previous.name = c.name
      c.name = str(p, "name") || null
    }
    if (p.metadata !== undefined) {
      previous.metadata = c.metadata
      c.metadata = mergeMetadata(c.metadata ?? {}, p)
    }
    ctx.store.put(c)
    ctx.emit("coupon.updated", c, previous)
    return c
  },
  "GET /v1/coupons": (ctx, p) => {
    allow(p, ["limit", "starting_after", "ending_before", "created"])
    return paginate(
      ctx.store.all<Stripe.Coupon>("coupon").map((c) => freshCoupon(ctx, c)),
      p,
      "/v1/coupons",
    )
  },
}

function createPromotionCode(ctx: Ctx, p: Params): Stripe.PromotionCode {
  allow(p, ["promotion", "code", "active", "customer", "expires_at", "max_redemptions", "metadata", "restrictions"])
  const promotion = obj(p, "promotion")
  if (!promotion) throw missingParam("promotion")
  allow(promotion, ["type", "coupon"], "promotion")
  if (req(promotion, "type") !== "coupon") throw invalid("promotion[type]", "Invalid promotion[type]: must be coupon")
  const coupon = getCoupon(ctx, req(promotion, "coupon"), "promotion[coupon]")
  if (!coupon.valid) throw invalid("promotion[coupon]", `Coupon ${coupon.id} is no longer valid; it cannot get a new promotion code.`)
  const code = str(p, "code") || randomCode(8)
  if (!/^[A-Za-z0-9]+$/.test(code)) throw invalid("code", "Promotion codes may only contain alphanumeric characters.")
  const taken = ctx.store.all<Stripe.PromotionCode>("promotion_code", (x) => x.active && x.code.toUpperCase() === code.toUpperCase())
  if (taken.length) throw invalid("code", `An active promotion code with \`code: ${code}\` already exists.`)
  const customer = str(p, "customer")
  if (customer) ctx.store.get(customer, "customer", "customer", "customer")
  const expiresAt = int(p, "expires_at")
  if (expiresAt !== undefined && expiresAt <= ctx.store.now()) throw invalid("expires_at", "Date must be in the future.")
  if (expiresAt !== undefined && coupon.redeem_by != null && expiresAt > coupon.redeem_by)
    throw invalid("expires_at", "The promotion code's `expires_at` may not be later than the coupon's `redeem_by`.")
  const max = int(p, "max_redemptions")
  if (max !== undefined && max < 1) throw invalid("max_redemptions", "This value must be greater than or equal to 1.")
  const r = obj(p, "restrictions") ?? {}
  allow(r, ["first_time_transaction", "minimum_amount", "minimum_amount_currency"], "restrictions")
  const minimum = int(r, "minimum_amount")
  const minimumCurrency = str(r, "minimum_amount_currency")?.toLowerCase()
  if (minimum !== undefined && !minimumCurrency) throw missingParam("restrictions[minimum_amount_currency]")
  const pc = fromDefaults<Stripe.PromotionCode>("promotion_code", {
    id: ctx.store.id("promo"),
    object: "promotion_code",
    active: bool(p, "active") ?? true,
    code,
    created: ctx.store.now(),
    customer: customer ?? null,
    expires_at: expiresAt ?? null,
    max_redemptions: max ?? null,
    metadata: mergeMetadata({}, p),
    promotion: { coupon: coupon.id, type: "coupon" },
    restrictions: {
      first_time_transaction: bool(r, "first_time_transaction") ?? false,
      minimum_amount: minimum ?? null,
      minimum_amount_currency: minimum !== undefined ? (minimumCurrency ?? null) : null,
    },
    times_redeemed: 0,
  })
  ctx.store.put(pc)
  ctx.emit("promotion_code.created", pc)
  return pc
}

/**
 * "A promotion code can only be reactivated when the coupon is still valid and the promotion code is
 * otherwise redeemable": its coupon not redeemed out, past redeem_by or deleted; the code itself not past
 * expires_at nor used max_redemptions times.
 */
function assertReactivatable(ctx: Ctx, pc: Stripe.PromotionCode) {
  const c = ctx.store.find<Stripe.Coupon>(pc.promotion.coupon as string)
  if (!c || c.object !== "coupon" || c.deleted || !freshCoupon(ctx, c).valid)
    throw invalid(
      "active",
      `This promotion code cannot be reactivated because its coupon ${pc.promotion.coupon as string} is no longer valid.`,
    )
  if (pc.expires_at != null && pc.expires_at <= ctx.store.now())
    throw invalid("active", "This promotion code cannot be reactivated because it has expired.")
  if (pc.max_redemptions != null && pc.times_redeemed >= pc.max_redemptions)
    throw invalid("active", "This promotion code cannot be reactivated because it has been used the maximum number of times.")
}

export const promotionCodes: Record<string, Handler> = {
  "POST /v1/promotion_codes": (ctx, p) => createPromotionCode(ctx, p),
  "GET /v1/promotion_codes/:id": (ctx, p, { id }) => (
    allow(p, []),
    ctx.store.get<Stripe.PromotionCode>(id, "promotion code", "promotion_code")
  ),
  "POST /v1/promotion_codes/:id": (ctx, p, { id }) => {
    allow(p, ["active", "metadata", "restrictions"])
    const pc = ctx.store.get<Stripe.PromotionCode>(id, "promotion code", "promotion_code")
    const previous: Record<string, unknown> = {}
    const active = bool(p, "active")
    if (active !== undefined && active !== pc.active) {
      const clash = ctx.store.all<Stripe.PromotionCode>(
        "promotion_code",
        (x) => x.id !== pc.id && x.active && x.code.toUpperCase() === pc.code.toUpperCase(),
      )
      if (active && clash.length) throw invalid("active", `An active promotion code with \`code: ${pc.code}\` already exists.`)
      if (active) assertReactivatable(ctx, pc)
      previous.active = pc.active
      pc.active = active
    }
    if (p.metadata !== undefined) {
      previous.metadata = pc.metadata
      pc.metadata = mergeMetadata(pc.metadata ?? {}, p)
    }
    if (p.restrictions !== undefined) allow(obj(p, "restrictions") ?? {}, ["currency_options"], "restrictions")
    ctx.store.put(pc)
    ctx.emit("promotion_code.updated", pc, previous)
    return pc
  },
  "GET /v1/promotion_codes": (ctx, p) => {
    allow(p, ["active", "code", "coupon", "customer", "limit", "starting_after", "ending_before", "created"])
    const active = bool(p, "active")
    const code = str(p, "code")?.toUpperCase()
    const coupon = str(p, "coupon")
    const customer = str(p, "customer")
    return paginate(
      ctx.store.all<Stripe.PromotionCode>(
        "promotion_code",
        (x) =>
          (active === undefined || x.active === active) &&
          (!code || x.code.toUpperCase() === code) &&
          (!coupon || x.promotion.coupon === coupon) &&
          (!customer || x.customer === customer),
      ),
      p,
      "/v1/promotion_codes",
    )
  },
}
