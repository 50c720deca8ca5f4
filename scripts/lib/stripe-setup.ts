// Plans and the Customer Portal as code: makes Stripe (real or emulated) and subscription_plans match
// lib/billing/catalog.ts. Idempotent: it compares before it writes, so a second run changes nothing.
import pg from "pg"
import Stripe from "stripe"
import {
  CATALOG,
  CREDIT_PACKS,
  FEATURES,
  lookupKey,
  meteredLookupKey,
  meteredPriceSpec,
  meterProductId,
  PORTAL_CONFIGURATION_KEY,
  RETENTION_OFFER,
  type MeterKey,
  USAGE_METERS,
  type CatalogPlan,
  type Interval,
} from "../../lib/billing/catalog"
import { idsOf, portalParams, type PlanPrices } from "../../lib/stripe/portal-configuration"
import { ensureSamplePromotion } from "./stripe-promotion-setup"

export type SetupResult = {
  changes: string[]
  /** What the changes mean for existing customers, to print after them. */
  notes: string[]
  prices: PlanPrices
  portalConfigurationId: string
}

/**
 * Stripe applies product feature changes to existing subscriptions at the start of their next billing
 * period; new subscriptions get the product's features at once.
 */
export const FEATURE_CHANGE_NOTE =
  "existing subscriptions get feature changes at their next renewal (up to a year away on yearly plans); new subscriptions get them now"

export async function setupStripe(
  stripe: Stripe,
  databaseUrl: string,
  appUrl: string,
  opts: { mode?: "live" | "test" } = {},
): Promise<SetupResult> {
  const changes: string[] = []
  const prices: SetupResult["prices"] = {}
  const productIds: Record<string, string> = {}
  const features = await ensureFeatures(stripe, changes)
  for (const plan of CATALOG) {
    const product = await ensureProduct(stripe, plan, changes)
    productIds[plan.id] = product
    await ensureProductFeatures(stripe, plan, product, features, changes)
    prices[plan.id] = {
      month: await ensurePrice(stripe, plan, "month", product, changes),
      year: await ensurePrice(stripe, plan, "year", product, changes),
    }
  }
  const portalConfigurationId = await ensurePortal(stripe, appUrl, productIds, prices, changes)
  await ensureSamplePromotion(stripe, changes, opts.mode ?? "test")
  await ensureRetentionCoupon(stripe, changes)
  const meters = await ensureMeters(stripe, changes)
  await ensureMeteredPrices(stripe, meters, changes)
  await ensureCreditPackPrices(stripe, changes)
  await writePlans(databaseUrl, productIds, prices, changes)
  const featureChanged = changes.some((c) => /^(attached|detached) feature |^restored feature /.test(c))
  return { changes, notes: featureChanged ? [FEATURE_CHANGE_NOTE] : [], prices, portalConfigurationId }
}

async function ensureProduct(stripe: Stripe, plan: CatalogPlan, changes: string[]) {
  const id = `subkit_${plan.id}` // our own product ids: found again on every run without a search
  const want = {
    name: plan.name,
    description: plan.description,
    marketing_features: plan.features.map((name) => ({ name })),
    metadata: { subkit_plan_id: plan.id },
  }
  let product: Stripe.Product | undefined
  try {
    product = await stripe.products.retrieve(id)
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404)) throw err
  }
  if (!product) {
    await stripe.products.create({ id, ...want })
    changes.push(`created product ${id}`)
  } else if (
    product.name !== want.name ||
    product.description !== want.description ||
    !product.active ||
    JSON.stringify(product.marketing_features.map((f) => f.name)) !== JSON.stringify(plan.features)
  ) {
    await stripe.products.update(id, { ...want, active: true })
    changes.push(`updated product ${id}`)
  }
  return id
}

/** One Stripe Entitlements feature per catalog key (found by lookup key; archived ones restored). Returns key → feature id. */
async function ensureFeatures(stripe: Stripe, changes: string[]) {
  const existing = new Map<string, Stripe.Entitlements.Feature>()
  for (const archived of [false, true])
    for await (const f of stripe.entitlements.features.list({ archived, limit: 100 }))
      if (f.lookup_key in FEATURES) existing.set(f.lookup_key, f)
  const ids: Record<string, string> = {}
  for (const [key, name] of Object.entries(FEATURES)) {
    const found = existing.get(key)
    if (!found) {
      ids[key] = (await stripe.entitlements.features.create({ lookup_key: key, name })).id
      changes.push(`created feature ${key}`)
    } else {
      ids[key] = found.id
      if (found.name !== name || !found.active) {
        await stripe.entitlements.features.update(found.id, { name, active: true })
        changes.push(found.active ? `updated feature ${key}` : `restored feature ${key}`)
      }
    }
  }
  return ids
}

/** Attaches the plan's features to its product and detaches any other. */
async function ensureProductFeatures(
  stripe: Stripe,
  plan: CatalogPlan,
  product: string,
  features: Record<string, string>,
  changes: string[],
) {
  const want = new Set(plan.entitlements.map((key) => features[key]))
  const have = new Set<string>()
  for await (const pf of stripe.products.listFeatures(product, { limit: 100 })) {
    if (want.has(pf.entitlement_feature.id)) have.add(pf.entitlement_feature.id)
    else {
      await stripe.products.deleteFeature(product, pf.id)
      changes.push(`detached feature ${pf.entitlement_feature.lookup_key} from ${product}`)
    }
  }
  for (const key of plan.entitlements) {
    const id = features[key]
    if (!id || have.has(id)) continue
    await stripe.products.createFeature(product, { entitlement_feature: id })
    changes.push(`attached feature ${key} to ${product}`)
  }
}

async function ensurePrice(stripe: Stripe, plan: CatalogPlan, interval: Interval, product: string, changes: string[]) {
  const key = lookupKey(plan.id, interval)
  const [existing] = (await stripe.prices.list({ lookup_keys: [key], limit: 1 })).data
  const amount = plan.amounts[interval]
  if (
    existing &&
    existing.active &&
    existing.unit_amount === amount &&
    existing.currency === plan.currency &&
    existing.recurring?.interval === interval &&
    existing.product === product
  )
    return existing.id
  // Prices are immutable: a new amount is a new price that takes over the lookup key.
  const created = await stripe.prices.create({
    product,
    currency: plan.currency,
    unit_amount: amount,
    recurring: { interval },
    lookup_key: key,
    transfer_lookup_key: true,
    nickname: `${plan.name} ${interval === "month" ? "monthly" : "yearly"}`,
    metadata: { subkit_plan_id: plan.id },
  })
  if (existing) await stripe.prices.update(existing.id, { active: false })
  changes.push(`created price ${key} (${created.id})`)
  return created.id
}

/** The parts of a configuration we set, in a comparable form. */
function fingerprint(c: Pick<Stripe.BillingPortal.Configuration, "business_profile" | "default_return_url" | "features">) {
  const f = c.features
  type Product = {
    product: string
    prices: string[]
    adjustable_quantity?: { enabled: boolean; minimum?: number | null; maximum?: number | null }
  }
  const su = f.subscription_update as Omit<Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate, "products"> & {
    products?: Product[]
  }
  // Stripe reports a disabled quantity as {enabled: false, minimum: 1, maximum: null}: compare the rule, not the echo.
  const quantity = (q: Product["adjustable_quantity"]) => (q?.enabled ? [q.minimum ?? 1, q.maximum ?? null] : false)
  return JSON.stringify({
    bp: [c.business_profile.headline, c.business_profile.privacy_policy_url, c.business_profile.terms_of_service_url],
    ret: c.default_return_url,
    cu: [f.customer_update.enabled, [...f.customer_update.allowed_updates].sort()],
    ih: f.invoice_history.enabled,
    pm: f.payment_method_update.enabled,
    sc: [
      f.subscription_cancel.enabled,
      f.subscription_cancel.mode,
      f.subscription_cancel.proration_behavior,
      f.subscription_cancel.cancellation_reason.enabled,
      [...f.subscription_cancel.cancellation_reason.options].sort(),
    ],
    su: [
      su.enabled,
      [...su.default_allowed_updates].sort(),
      su.proration_behavior,
      (su.products ?? []).map((p) => [p.product, [...p.prices].sort(), quantity(p.adjustable_quantity)]),
    ],
  })
}

async function ensurePortal(
  stripe: Stripe,
  appUrl: string,
  productIds: Record<string, string>,
  prices: SetupResult["prices"],
  changes: string[],
) {
  const params = portalParams(appUrl, productIds, prices)
  let existing: Stripe.BillingPortal.Configuration | undefined
  for await (const cfg of stripe.billingPortal.configurations.list({ active: true, limit: 100 })) {
    if (cfg.metadata?.subkit_key === PORTAL_CONFIGURATION_KEY) existing = cfg
  }
  if (!existing) {
    const created = await stripe.billingPortal.configurations.create(params)
    changes.push(`created portal configuration ${created.id}`)
    return created.id
  }
  const want = fingerprint({ ...params, features: params.features as unknown as Stripe.BillingPortal.Configuration.Features })
  if (fingerprint(existing) !== want) {
    await stripe.billingPortal.configurations.update(existing.id, params)
    changes.push(`updated portal configuration ${existing.id}`)
  }
  return existing.id
}

async function writePlans(databaseUrl: string, productIds: Record<string, string>, prices: SetupResult["prices"], changes: string[]) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    for (const p of CATALOG) {
      const ids = idsOf(p, productIds, prices)
      const values = [
        p.id,
        p.name,
        p.description,
        p.features,
        p.perSeat,
        ids.product,
        ids.month,
        ids.year,
        p.amounts.month,
        p.amounts.year,
        p.currency,
        p.sortOrder,
      ]
      const res = await client.query(
        `insert into public.subscription_plans as t (id, name, description, features, per_seat, stripe_product_id, stripe_monthly_price_id,
           stripe_yearly_price_id, monthly_amount, yearly_amount, currency, sort_order, active)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, true)
         on conflict (id) do update set name = excluded.name, description = excluded.description, features = excluded.features,
           per_seat = excluded.per_seat, stripe_product_id = excluded.stripe_product_id, stripe_monthly_price_id = excluded.stripe_monthly_price_id,
           stripe_yearly_price_id = excluded.stripe_yearly_price_id, monthly_amount = excluded.monthly_amount, yearly_amount = excluded.yearly_amount,
           currency = excluded.currency, sort_order = excluded.sort_order, active = true, updated_at = now()
         where (t.name, t.description, t.features, t.per_seat, t.stripe_product_id, t.stripe_monthly_price_id, t.stripe_yearly_price_id,
           t.monthly_amount, t.yearly_amount, t.currency, t.sort_order, t.active)
           is distinct from (excluded.name, excluded.description, excluded.features, excluded.per_seat, excluded.stripe_product_id,
           excluded.stripe_monthly_price_id, excluded.stripe_yearly_price_id, excluded.monthly_amount, excluded.yearly_amount,
           excluded.currency, excluded.sort_order, true)`,
        values,
      )
      if (res.rowCount) changes.push(`wrote plan ${p.id}`)
    }
    const ids = CATALOG.map((p) => p.id)
    const retired = await client.query(
      "update public.subscription_plans set active = false, updated_at = now() where active and not (id = any($1))",
      [ids],
    )
    if (retired.rowCount) changes.push(`retired ${retired.rowCount} plan(s)`)
  } finally {
    await client.end()
  }
}

/** One Billing Meter per catalog meter (sum of `value`, customer by `stripe_customer_id`), found by event name. Returns meter key → id. */
async function ensureMeters(stripe: Stripe, changes: string[]) {
  const active = await stripe.billing.meters.list({ status: "active", limit: 100 }).autoPagingToArray({ limit: 1000 })
  const ids: Partial<Record<MeterKey, string>> = {}
  for (const [key, m] of Object.entries(USAGE_METERS) as [MeterKey, (typeof USAGE_METERS)[MeterKey]][]) {
    const found = active.find((a) => a.event_name === m.eventName)
    if (found) {
      ids[key] = found.id
      continue
    }
    const created = await stripe.billing.meters.create({
      display_name: m.name,
      event_name: m.eventName,
      default_aggregation: { formula: "sum" },
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
    })
    ids[key] = created.id
    changes.push(`created meter ${m.eventName}`)
  }
  return ids
}

/** Tiers as Stripe returns them, in a comparable form (the last tier's up_to is null there, "inf" here). */
const tiersFingerprint = (tiers: { upTo: number | "inf" | null; unitAmount: number | null }[]) =>
  JSON.stringify(tiers.map((t) => [t.upTo === "inf" ? null : t.upTo, t.unitAmount ?? 0]))

/**
 * The metered price of each plan and interval on each meter's product, found by lookup key
 * (meteredLookupKey); a changed spec or meter is a new price that takes over the key.
 */
async function ensureMeteredPrices(stripe: Stripe, meters: Partial<Record<MeterKey, string>>, changes: string[]) {
  for (const [key, m] of Object.entries(USAGE_METERS) as [MeterKey, (typeof USAGE_METERS)[MeterKey]][]) {
    const meter = meters[key]
    if (!meter) continue
    const product = await ensureMeterProduct(stripe, key, m.name, changes)
    for (const plan of CATALOG)
      for (const interval of ["month", "year"] as const) {
        const lookup = meteredLookupKey(plan.id, key, interval)
        const spec = meteredPriceSpec(plan.id, key)
        const [existing] = (await stripe.prices.list({ lookup_keys: [lookup], limit: 1, expand: ["data.tiers"] })).data
        const same =
          existing?.active &&
          existing.product === product &&
          existing.currency === plan.currency &&
          existing.recurring?.interval === interval &&
          existing.recurring.usage_type === "metered" &&
          existing.recurring.meter === meter &&
          (spec.scheme === "tiered"
            ? existing.billing_scheme === "tiered" &&
              existing.tiers_mode === "graduated" &&
              tiersFingerprint((existing.tiers ?? []).map((t) => ({ upTo: t.up_to, unitAmount: t.unit_amount }))) ===
                tiersFingerprint(spec.tiers)
            : existing.billing_scheme === "per_unit" && existing.unit_amount === spec.unitAmount)
        if (same) continue
        const created = await stripe.prices.create({
          product,
          currency: plan.currency,
          recurring: { interval, usage_type: "metered", meter },
          ...(spec.scheme === "tiered"
            ? {
                billing_scheme: "tiered" as const,
                tiers_mode: "graduated" as const,
                tiers: spec.tiers.map((t) => ({ up_to: t.upTo, unit_amount: t.unitAmount })),
              }
            : { billing_scheme: "per_unit" as const, unit_amount: spec.unitAmount }),
          lookup_key: lookup,
          transfer_lookup_key: true,
          nickname: `${plan.name} ${m.name.toLowerCase()} (${interval === "month" ? "monthly" : "yearly"})`,
          metadata: { subkit_plan_id: plan.id, subkit_meter: key },
        })
        if (existing) await stripe.prices.update(existing.id, { active: false })
        changes.push(`created price ${lookup} (${created.id})`)
      }
  }
}

/**
 * Each credit pack's one-time price on its meter's product, found by the pack's lookup key; a changed amount
 * or currency is a new price that takes over the key (the old one is archived).
 */
async function ensureCreditPackPrices(stripe: Stripe, changes: string[]) {
  for (const pack of Object.values(CREDIT_PACKS)) {
    const product = await ensureMeterProduct(stripe, pack.meter, USAGE_METERS[pack.meter].name, changes)
    const [existing] = (await stripe.prices.list({ lookup_keys: [pack.lookupKey], limit: 1 })).data
    if (
      existing?.active &&
      existing.type === "one_time" &&
      existing.product === product &&
      existing.currency === pack.currency &&
      existing.unit_amount === pack.priceCents
    )
      continue
    const created = await stripe.prices.create({
      product,
      currency: pack.currency,
      unit_amount: pack.priceCents,
      lookup_key: pack.lookupKey,
      transfer_lookup_key: true,
      nickname: pack.name,
      metadata: { subkit_credit_pack: pack.id, subkit_meter: pack.meter },
    })
    if (existing) await stripe.prices.update(existing.id, { active: false })
    changes.push(`created price ${pack.lookupKey} (${created.id})`)
  }
}

async function ensureMeterProduct(stripe: Stripe, meter: MeterKey, name: string, changes: string[]) {
  const id = meterProductId(meter)
  try {
    const p = await stripe.products.retrieve(id)
    if (p.name !== name || !p.active) {
      await stripe.products.update(id, { name, active: true })
      changes.push(`updated product ${id}`)
    }
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404)) throw err
    await stripe.products.create({ id, name, metadata: { subkit_meter: meter } })
    changes.push(`created product ${id}`)
  }
  return id
}

/** The catalog's retention coupon (RETENTION_OFFER), made once by its own id; no code: only the portal's cancel flow offers it. */
async function ensureRetentionCoupon(stripe: Stripe, changes: string[]) {
  try {
    await stripe.coupons.retrieve(RETENTION_OFFER.couponId)
    return
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404)) throw err
  }
  await stripe.coupons.create({
    id: RETENTION_OFFER.couponId,
    name: RETENTION_OFFER.name,
    percent_off: RETENTION_OFFER.percentOff,
    duration: "repeating",
    duration_in_months: RETENTION_OFFER.durationInMonths,
    metadata: { subkit_key: "retention" },
  })
  changes.push(`created coupon ${RETENTION_OFFER.couponId}`)
}
