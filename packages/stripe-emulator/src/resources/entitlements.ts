// Entitlements: features, the features attached to products, and each customer's active entitlements,
// derived from the products of the customer's active or trialing subscriptions. Whenever that set
// changes, `entitlements.active_entitlement_summary.updated` is sent, as Stripe does.
//
// As on Stripe, a subscription grants its products' features as they were at the start of its current
// period: "Existing subscriptions will create active entitlements for any product feature changes at the
// start of the next billing period." Attaching or detaching a product feature, or archiving a feature,
// changes nothing for existing subscriptions until they renew; a new subscription gets the product's
// features as they are when it starts.
import type Stripe from "stripe"
import { item } from "../billing"
import type { Ctx } from "../context"
import { invalid, missing } from "../errors"
import { allow, bool, mergeMetadata, req, str } from "../params"
import { paginate } from "../store"
import type { Handler } from "./shared"

// No `created`: Stripe does not send one on these objects; lists come newest first by store order.
type Feature = Stripe.Entitlements.Feature
type StoredProductFeature = { id: string; object: "product_feature"; livemode: false; deleted?: true; _product: string; _feature: string }
type StoredEntitlement = {
  id: string
  object: "entitlements.active_entitlement"
  livemode: false
  deleted?: true
  feature: string
  lookup_key: string
  _customer: string
}

/** Stripe grants a subscription's features while it is active or trialing. */
const GRANTING = new Set(["active", "trialing"])

/** The feature ids each of the subscription's products had when its current period started. */
type FeatureSnapshot = { period: number; products: Record<string, string[]> }
type Sub = Stripe.Subscription & { _features?: FeatureSnapshot }

const productOf = (i: Stripe.SubscriptionItem) => (typeof i.price.product === "string" ? i.price.product : i.price.product.id)

/**
 * The features the subscription grants in its current period: each product's active attached features
 * as they were when the period started (its creation, a renewal, or a restart on an interval change),
 * or, for a product that joined the subscription mid-period (a plan switch), when it joined.
 */
function featuresOf(ctx: Ctx, sub: Sub): string[] {
  const period = item(sub).current_period_start
  const before = sub._features
  const snap: FeatureSnapshot = before?.period === period ? before : { period, products: {} }
  const products: Record<string, string[]> = {}
  for (const i of sub.items.data) {
    const product = productOf(i)
    products[product] =
      snap.products[product] ??
      attached(ctx, product)
        .map((pf) => ctx.store.find<Feature>(pf._feature))
        .filter((f): f is Feature => Boolean(f?.active))
        .map((f) => f.id)
  }
  if (JSON.stringify(before) !== JSON.stringify({ period, products })) {
    sub._features = { period, products }
    ctx.store.put(sub)
  }
  return Object.values(products).flat()
}

const publicProductFeature = (ctx: Ctx, pf: StoredProductFeature) => ({
  id: pf.id,
  object: pf.object,
  livemode: false,
  entitlement_feature: ctx.store.get<Feature>(pf._feature, "entitlements.feature", "entitlements.feature"),
})

function attached(ctx: Ctx, product: string) {
  return ctx.store.all<StoredProductFeature>("product_feature", (x) => x._product === product)
}

/** The customer's active entitlements now; writes the changes and sends the summary event when any. */
export function recomputeEntitlements(ctx: Ctx, customerId: string) {
  const want = new Map<string, Feature>()
  // Every live subscription takes its snapshot now (one not granting yet, e.g. incomplete, keeps the
  // features of its period's start for when it is paid); only active and trialing ones grant them.
  for (const sub of ctx.store.ofCustomer<Sub>(
    "subscription",
    customerId,
    (s) => s.customer === customerId && s.status !== "canceled" && s.status !== "incomplete_expired",
  )) {
    const features = featuresOf(ctx, sub)
    if (!GRANTING.has(sub.status)) continue
    for (const id of features) {
      const f = ctx.store.find<Feature>(id)
      if (f) want.set(f.id, f)
    }
  }
  const current = ctx.store.ofCustomer<StoredEntitlement>("entitlements.active_entitlement", customerId, (e) => e._customer === customerId)
  const before = summaryList(current)
  let changed = false
  for (const e of current)
    if (!want.has(e.feature)) {
      e.deleted = true
      ctx.store.put(e)
      changed = true
    }
  for (const f of want.values())
    if (!current.some((e) => e.feature === f.id)) {
      ctx.store.put<StoredEntitlement>({
        id: ctx.store.id("ent"),
        object: "entitlements.active_entitlement",
        livemode: false,
        feature: f.id,
        lookup_key: f.lookup_key,
        _customer: customerId,
      })
      changed = true
    }
  if (!changed) return
  const after = ctx.store.ofCustomer<StoredEntitlement>("entitlements.active_entitlement", customerId, (e) => e._customer === customerId)
  const summary = {
    object: "entitlements.active_entitlement_summary",
    customer: customerId,
    entitlements: summaryList(after),
    livemode: false,
  }
  ctx.emit("entitlements.active_entitlement_summary.updated", summary, { entitlements: before })
}

function summaryList(items: StoredEntitlement[]) {
  return {
    object: "list",
    data: items.map(({ id, object, livemode, feature, lookup_key }) => ({ id, object, livemode, feature, lookup_key })),
    has_more: false,
    url: "/v1/entitlements/active_entitlements",
  }
}

export const entitlements: Record<string, Handler> = {
  "POST /v1/entitlements/features": (ctx, p) => {
    allow(p, ["lookup_key", "name", "metadata"])
    const lookupKey = req(p, "lookup_key")
    const name = req(p, "name")
    if (ctx.store.all<Feature>("entitlements.feature", (f) => f.lookup_key === lookupKey).length)
      throw invalid("lookup_key", `A feature with lookup_key ${lookupKey} already exists.`)
    const feature: Feature = {
      id: ctx.store.id("feat"),
      object: "entitlements.feature",
      active: true,
      livemode: false,
      lookup_key: lookupKey,
      metadata: mergeMetadata({}, p),
      name,
    }
    return ctx.store.put(feature)
  },
  "GET /v1/entitlements/features": (ctx, p) => {
    allow(p, ["archived", "lookup_key", "limit", "starting_after", "ending_before"])
    const archived = bool(p, "archived") ?? false
    const key = str(p, "lookup_key")
    return paginate(
      ctx.store.all<Feature>("entitlements.feature", (f) => f.active !== archived && (!key || f.lookup_key === key)),
      p,
      "/v1/entitlements/features",
    )
  },
  "GET /v1/entitlements/features/:id": (ctx, p, { id }) => (
    allow(p, []),
    ctx.store.get<Feature>(id ?? "", "entitlements.feature", "entitlements.feature")
  ),
  "POST /v1/entitlements/features/:id": (ctx, p, { id }) => {
    allow(p, ["active", "metadata", "name"])
    const feature = ctx.store.get<Feature>(id ?? "", "entitlements.feature", "entitlements.feature")
    if (p.name !== undefined) feature.name = req(p, "name")
    const active = bool(p, "active")
    if (active !== undefined) feature.active = active
    feature.metadata = mergeMetadata(feature.metadata, p)
    // Archiving (or restoring) changes what the feature's products grant from their subscriptions' next
    // period on, like any product feature change: nothing is recomputed now.
    return ctx.store.put(feature)
  },
  "POST /v1/products/:id/features": (ctx, p, { id }) => {
    allow(p, ["entitlement_feature"])
    const product = ctx.store.get<Stripe.Product>(id, "product")
    const feature = ctx.store.get<Feature>(
      req(p, "entitlement_feature"),
      "entitlements.feature",
      "entitlements.feature",
      "entitlement_feature",
    )
    if (attached(ctx, product.id).some((x) => x._feature === feature.id))
      throw invalid("entitlement_feature", `The feature ${feature.id} is already attached to product ${product.id}.`)
    const pf = ctx.store.put<StoredProductFeature>({
      id: ctx.store.id("prodft", 14),
      object: "product_feature",
      livemode: false,
      _product: product.id,
      _feature: feature.id,
    })
    // Existing subscriptions get it at their next renewal; new ones at once (featuresOf).
    return publicProductFeature(ctx, pf)
  },
  "GET /v1/products/:id/features": (ctx, p, { id }) => {
    allow(p, ["limit", "starting_after", "ending_before"])
    const product = ctx.store.get<Stripe.Product>(id, "product")
    return paginate(
      attached(ctx, product.id).map((pf) => publicProductFeature(ctx, pf)),
      p,
      `/v1/products/${product.id}/features`,
    )
  },
  "GET /v1/products/:product/features/:id": (ctx, p, { product, id }) => {
    allow(p, [])
    const pf = attached(ctx, product).find((x) => x.id === id)
    if (!pf) throw missing("product_feature", id)
    return publicProductFeature(ctx, pf)
  },
  "DELETE /v1/products/:product/features/:id": (ctx, p, { product, id }) => {
    allow(p, [])
    const pf = attached(ctx, product).find((x) => x.id === id)
    if (!pf) throw missing("product_feature", id)
    pf.deleted = true
    ctx.store.put(pf)
    // Existing subscriptions keep it until their next renewal; new ones don't get it (featuresOf).
    return { id: pf.id, object: "product_feature", deleted: true }
  },
  "GET /v1/entitlements/active_entitlements": (ctx, p) => {
    allow(p, ["customer", "limit", "starting_after", "ending_before"])
    const customer = req(p, "customer")
    ctx.store.get<Stripe.Customer>(customer, "customer", "customer", "customer")
    return paginate(
      ctx.store.ofCustomer<StoredEntitlement>("entitlements.active_entitlement", customer, (e) => e._customer === customer),
      p,
      "/v1/entitlements/active_entitlements",
    )
  },
  "GET /v1/entitlements/active_entitlements/:id": (ctx, p, { id }) => (
    allow(p, []),
    ctx.store.get<StoredEntitlement>(id ?? "", "active_entitlement", "entitlements.active_entitlement")
  ),
}

/** Subscription events are where a customer's granted products change. */
export function afterEmit(ctx: Ctx, type: string, object: object) {
  if (!type.startsWith("customer.subscription.")) return
  const customer = (object as { customer?: string | { id: string } }).customer
  if (customer) recomputeEntitlements(ctx, typeof customer === "string" ? customer : customer.id)
}
