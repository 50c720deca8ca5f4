// Billing portal configurations and sessions (the hosted portal is pages/portal.tsx).
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { invalid } from "../errors"
import { fromDefaults } from "../defaults"
import { allow, missingParam, bool, int, list, mergeMetadata, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { changedFrom, liveCustomer, type Handler } from "./shared"

type PortalConfig = Stripe.BillingPortal.Configuration
type AdjustableQuantity = Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product.AdjustableQuantity
const FEATURE_KEYS = [
  "customer_update",
  "invoice_history",
  "payment_method_update",
  "subscription_cancel",
  "subscription_update",
  "subscription_pause",
]

function writeFeatures(ctx: Ctx, cfg: PortalConfig, f: Params | undefined) {
  if (!f) return
  allow(f, FEATURE_KEYS, "features")
  const cu = obj(f, "customer_update")
  if (cu) {
    allow(cu, ["enabled", "allowed_updates"], "features[customer_update]")
    cfg.features.customer_update = {
      enabled: bool(cu, "enabled") ?? cfg.features.customer_update.enabled,
      allowed_updates:
        cu.allowed_updates !== undefined
          ? ((list(cu, "allowed_updates") ?? []) as Stripe.BillingPortal.Configuration.Features.CustomerUpdate.AllowedUpdate[])
          : cfg.features.customer_update.allowed_updates,
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
        ? {
            enabled: bool(reason, "enabled") ?? false,
            feedback_options: null,
            options: (list(reason, "options") ??
              []) as Stripe.BillingPortal.Configuration.Features.SubscriptionCancel.CancellationReason.Option[],
          }
        : cfg.features.subscription_cancel.cancellation_reason,
    }
  }
  const su = obj(f, "subscription_update")
  if (su) {
    allow(
      su,
      [
        "enabled",
        "default_allowed_updates",
        "products",
        "proration_behavior",
        "schedule_at_period_end",
        "trial_update_behavior",
        "billing_cycle_anchor",
      ],
      "features[subscription_update]",
    )
    const prods = list(su, "products")
    cfg.features.subscription_update = {
      ...cfg.features.subscription_update,
      enabled: bool(su, "enabled") ?? cfg.features.subscription_update.enabled,
      default_allowed_updates:
        su.default_allowed_updates !== undefined
          ? ((list(su, "default_allowed_updates") ?? []) as never)
          : cfg.features.subscription_update.default_allowed_updates,
      proration_behavior: (str(su, "proration_behavior") as "none") ?? cfg.features.subscription_update.proration_behavior,
      products: prods
        ? prods.map((raw, i) => {
            const pr = raw as Params
            const product = ctx.store.get<Stripe.Product>(
              req(pr, "product"),
              "product",
              "product",
              `features[subscription_update][products][${i}][product]`,
            ).id
            const param = `features[subscription_update][products][${i}]`
            allow(pr, ["product", "prices", "adjustable_quantity"], param)
            const priceIds = (list(pr, "prices") ?? []).map(String)
            for (const id of priceIds)
              if (
                ctx.store.get<Stripe.Price>(id, "price", "price", `features[subscription_update][products][${i}][prices]`).product !==
                product
              )
                throw invalid(
                  `features[subscription_update][products][${i}][prices]`,
                  `The price ${id} does not belong to product ${product}.`,
                )
            return {
              product,
              prices: priceIds,
              adjustable_quantity: adjustableQuantity(obj(pr, "adjustable_quantity"), `${param}[adjustable_quantity]`),
            }
          })
        : (cfg.features.subscription_update as { products?: unknown }).products,
    } as Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate
  }
  if (cfg.features.subscription_update.enabled && !(cfg.features.subscription_update as { products?: unknown[] }).products?.length)
    throw missingParam("features[subscription_update][products]")
}

/** `adjustable_quantity` as Stripe documents it: enabled (required), minimum (default 1), maximum (≤ 99). */
function adjustableQuantity(aq: Params | undefined, param: string): AdjustableQuantity {
  if (!aq) return { enabled: false, maximum: null, minimum: 1 }
  allow(aq, ["enabled", "minimum", "maximum"], param)
  const enabled = bool(aq, "enabled")
  if (enabled === undefined) throw missingParam(`${param}[enabled]`)
  const minimum = int(aq, "minimum") ?? 1
  const maximum = int(aq, "maximum") ?? null
  if (minimum < 0) throw invalid(`${param}[minimum]`, "This value must be greater than or equal to 0.")
  if (maximum !== null && maximum < minimum) throw invalid(`${param}[maximum]`, "The maximum must be greater than or equal to the minimum.")
  return { enabled, minimum, maximum }
}

function writeConfig(ctx: Ctx, cfg: PortalConfig, p: Params) {
  const bp = obj(p, "business_profile")
  if (bp) {
    allow(bp, ["headline", "privacy_policy_url", "terms_of_service_url"], "business_profile")
    cfg.business_profile = {
      headline: bp.headline !== undefined ? str(bp, "headline") || null : cfg.business_profile.headline,
      privacy_policy_url:
        bp.privacy_policy_url !== undefined ? str(bp, "privacy_policy_url") || null : cfg.business_profile.privacy_policy_url,
      terms_of_service_url:
        bp.terms_of_service_url !== undefined ? str(bp, "terms_of_service_url") || null : cfg.business_profile.terms_of_service_url,
    }
  }
  if (p.default_return_url !== undefined) cfg.default_return_url = str(p, "default_return_url") || null
  if (p.active !== undefined) cfg.active = bool(p, "active") ?? cfg.active
  if (p.name !== undefined) cfg.name = str(p, "name") || null
  writeFeatures(ctx, cfg, obj(p, "features"))
  cfg.metadata = mergeMetadata(cfg.metadata ?? {}, p)
  cfg.updated = ctx.store.now()
}

const CONFIG_FIELDS = ["business_profile", "features", "default_return_url", "metadata", "name", "login_page", "active"]
const FLOW_TYPES = ["payment_method_update", "subscription_cancel", "subscription_update", "subscription_update_confirm"]

export const portal: Record<string, Handler> = {
  "POST /v1/billing_portal/configurations": (ctx, p) => {
    allow(
      p,
      CONFIG_FIELDS.filter((k) => k !== "active"),
    )
    if (!obj(p, "features")) throw missingParam("features")
    const cfg = fromDefaults<PortalConfig>("billing_portal.configuration", {
      id: ctx.store.id("bpc"),
      object: "billing_portal.configuration",
      active: true,
      application: null,
      business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
      created: ctx.store.now(),
      default_return_url: null,
      is_default: ctx.store.all("billing_portal.configuration").length === 0,
      login_page: { enabled: false, url: null },
      name: null,
    } as Partial<PortalConfig> & { id: string })
    ;(cfg.features.subscription_update as { products?: unknown[] }).products = []
    writeConfig(ctx, cfg, p)
    ctx.store.put(cfg)
    ctx.emit("billing_portal.configuration.created", cfg)
    return cfg
  },
  "GET /v1/billing_portal/configurations/:id": (ctx, p, { id }) =>
    allow(p, []) && ctx.store.get(id, "billing portal configuration", "billing_portal.configuration"),
  "POST /v1/billing_portal/configurations/:id": (ctx, p, { id }) => {
    allow(p, CONFIG_FIELDS)
    const cfg = ctx.store.get<PortalConfig>(id, "billing portal configuration", "billing_portal.configuration")
    const before = structuredClone(cfg) as unknown as Record<string, unknown>
    writeConfig(ctx, cfg, p)
    cfg.updated = ctx.store.now()
    ctx.store.put(cfg)
    ctx.emit("billing_portal.configuration.updated", cfg, changedFrom(before, cfg))
    return cfg
  },
  "GET /v1/billing_portal/configurations": (ctx, p) => {
    allow(p, ["active", "is_default", "limit", "starting_after", "ending_before"])
    const active = bool(p, "active")
    const isDefault = bool(p, "is_default")
    return paginate(
      ctx.store.all<PortalConfig>(
        "billing_portal.configuration",
        (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault),
      ),
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
      throw invalid(
        "configuration",
        "No configuration provided and your test mode default configuration has not been created. Provide a configuration or create your default by saving your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.",
      )
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
        if (!subscription) throw missingParam(`flow_data[${type}][subscription]`)
        const sub = ctx.store.get<Stripe.Subscription>(subscription, "subscription", "subscription", `flow_data[${type}][subscription]`)
        if (sub.customer !== customer.id)
          throw invalid(`flow_data[${type}][subscription]`, "The subscription does not belong to this customer.")
        if (["canceled", "incomplete_expired"].includes(sub.status))
          throw invalid(`flow_data[${type}][subscription]`, "The subscription is canceled and cannot be updated.")
        if (type === "subscription_cancel" && sub.cancel_at_period_end)
          throw invalid(`flow_data[${type}][subscription]`, "The subscription is already set to be canceled.")
      }
      const after = obj(flowData, "after_completion")
      const afterType = after ? req(after, "type") : "portal_homepage"
      const redirect = after && obj(after, "redirect")
      if (afterType === "redirect" && !redirect?.return_url) throw missingParam("flow_data[after_completion][redirect][return_url]")
      flow = {
        type: type as Stripe.BillingPortal.Session.Flow.Type,
        after_completion: {
          type: afterType as "redirect",
          redirect: afterType === "redirect" ? { return_url: String(redirect?.return_url) } : null,
          hosted_confirmation: afterType === "hosted_confirmation" ? { custom_message: null } : null,
        },
        subscription_cancel: type === "subscription_cancel" ? { retention: null, subscription: subscription ?? "" } : null,
        subscription_update: type === "subscription_update" ? { subscription: subscription ?? "" } : null,
        subscription_update_confirm: null,
        customer_update: null,
        subscription_pause: null,
      } as Stripe.BillingPortal.Session.Flow
    }
    const id = ctx.store.id("bps")
    const session = fromDefaults<Stripe.BillingPortal.Session>("billing_portal.session", {
      id,
      object: "billing_portal.session",
      configuration: cfg.id,
      created: ctx.store.now(),
      customer: customer.id,
      flow,
      locale: null,
      on_behalf_of: null,
      return_url: returnUrl,
      url: `${ctx.baseUrl}/p/session/${id}`,
    } as Partial<Stripe.BillingPortal.Session> & { id: string })
    ctx.store.put(session)
    ctx.emit("billing_portal.session.created", session)
    return session
  },
}
