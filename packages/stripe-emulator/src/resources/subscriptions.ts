// Subscriptions and invoices.
import type Stripe from "stripe"
import {
  billsNow,
  changeItem,
  createSubscription,
  onlyItem,
  planItemChange,
  recurringPrice,
  resumeSubscription,
  type ItemChange,
} from "../billing"
import { clockOf, endTrialNow } from "../clock"
import { applyToSubscription, oneDiscountParam, resolveDiscount } from "../discounts"
import { payAndReactivate } from "../invoices"
import { cancelNow } from "../lifecycle"
import type { Ctx } from "../context"
import { invalid, missing, StripeApiError } from "../errors"
import { allow, missingParam, bool, int, list, mergeMetadata, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { chargeSucceeds, DECLINED } from "../cards"
import { liveCustomer, trialSettings, type Handler, type StoredPm } from "./shared"

const SUB_STATUSES = ["active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing", "paused", "all", "ended"]

export function subscriptionItemsParam(ctx: Ctx, sub: Stripe.Subscription | null, p: Params) {
  const items = list(p, "items")
  if (!items) return undefined
  // A new subscription may add metered items after its one licensed item (usage billed from a meter).
  const metered = sub ? [] : items.slice(1).map((x, i) => meteredItemParam(ctx, x as Params, `items[${i + 1}]`))
  if (items.length !== 1 + metered.length) throw invalid("items", "The emulator supports subscriptions with exactly one item.")
  const raw = items[0] as Params
  allow(raw, ["id", "price", "quantity", "deleted", "metadata"], "items[0]")
  if (sub && raw.id !== undefined && raw.id !== sub.items.data[0]?.id) throw missing("subscription_item", String(raw.id), "items[0][id]")
  const price = raw.price ? recurringPrice(ctx, String(raw.price), "items[0][price]") : undefined
  if (price?.recurring?.usage_type === "metered")
    throw invalid("items[0][price]", "The emulator expects the licensed item first; metered items may follow it.")
  return { price, quantity: int(raw, "quantity"), metered }
}

/** A metered item: its price is metered and it takes no quantity (Stripe bills the meter's usage). */
export function meteredItemParam(ctx: Ctx, raw: Params, at: string): Stripe.Price {
  allow(raw, ["price", "quantity", "metadata"], at)
  const price = recurringPrice(ctx, req(raw, "price"), `${at}[price]`)
  if (price.recurring?.usage_type !== "metered")
    throw invalid("items", "The emulator supports subscriptions with exactly one licensed item (metered items may be added).")
  if (raw.quantity !== undefined)
    throw invalid(`${at}[quantity]`, "Quantity cannot be set for a metered price: usage is reported to its meter.")
  return price
}

const PRORATION_BEHAVIORS = ["create_prorations", "always_invoice", "none"] as const

export function prorationBehavior(p: Params, param = "proration_behavior"): ItemChange["proration"] {
  const v = str(p, "proration_behavior") ?? "create_prorations"
  if (!(PRORATION_BEHAVIORS as readonly string[]).includes(v))
    throw invalid(param, `Invalid proration_behavior: must be one of ${PRORATION_BEHAVIORS.join(", ")}`)
  return v as ItemChange["proration"]
}

/** `proration_date`: a time within the current period (Stripe refuses one outside it). */
export function prorationDate(ctx: Ctx, sub: Stripe.Subscription, p: Params, param = "proration_date"): number | undefined {
  const at = int(p, "proration_date")
  if (at === undefined) return undefined
  const it = onlyItem(sub.items)
  if (at < it.current_period_start || at > it.current_period_end || at > ctx.store.now() + 3600)
    throw invalid(param, "The proration_date must be within the current billing period of the subscription.")
  return at
}

function assertChargeable(ctx: Ctx, customer: Stripe.Customer, pmId: string | undefined) {
  const id = pmId ?? (customer.invoice_settings.default_payment_method as string | null)
  const pm = id ? ctx.store.find<StoredPm>(id) : undefined
  if (!pm)
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
      { code: "resource_missing", param: "default_payment_method" },
    )
  if (!chargeSucceeds(pm._outcome)) throw DECLINED()
}

/** `payment_behavior` (create and update): allow_incomplete unless told otherwise. */
function paymentBehavior(p: Params): string {
  const behavior = str(p, "payment_behavior") ?? "allow_incomplete"
  if (!["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"].includes(behavior))
    throw invalid(
      "payment_behavior",
      `Invalid payment_behavior: must be one of allow_incomplete, default_incomplete, error_if_incomplete, or pending_if_incomplete`,
    )
  return behavior
}

/** `discounts[0][coupon|promotion_code]` on create; the emulator applies one discount per subscription. */
const subscriptionDiscount = (p: Params) => oneDiscountParam(p, "The emulator supports one discount per subscription.")

export const subscriptions: Record<string, Handler> = {
  "POST /v1/subscriptions": (ctx, p) => {
    allow(p, [
      "customer",
      "items",
      "default_payment_method",
      "trial_period_days",
      "metadata",
      "payment_behavior",
      "description",
      "proration_behavior",
      "collection_method",
      "trial_settings",
      "discounts",
    ])
    const customer = liveCustomer(ctx, req(p, "customer"), "customer")
    const change = subscriptionItemsParam(ctx, null, p)
    if (!change?.price) throw missingParam("items")
    const pm = str(p, "default_payment_method")
    if (pm) ctx.store.get(pm, "payment method", "payment_method", "default_payment_method")
    const behavior = paymentBehavior(p)
    const trialDays = int(p, "trial_period_days")
    const missingPaymentMethod = trialSettings(p)
    // error_if_incomplete: a first payment that would fail is a 402 card_error and nothing is created.
    if (behavior === "error_if_incomplete" && !trialDays && (change.price.unit_amount ?? 0) > 0) assertChargeable(ctx, customer, pm)
    const price = change.price
    const spec = subscriptionDiscount(p)
    // At the customer's test clock time, as every request naming a customer (server.ts).
    return createSubscription(ctx, {
      discount: spec
        ? resolveDiscount(ctx, spec, {
            products: [price.product as string],
            amount: (price.unit_amount ?? 0) * (change.quantity ?? 1),
            currency: price.currency,
            customer: customer.id,
          })
        : undefined,
      customer,
      price,
      quantity: change.quantity ?? 1,
      metered: change.metered,
      metadata: mergeMetadata({}, p),
      trialDays,
      missingPaymentMethod,
      paymentMethod: pm ?? null,
      description: str(p, "description"),
    })
  },
  "GET /v1/subscriptions/:id": (ctx, p, { id }) => allow(p, []) && ctx.store.get(id, "subscription"),
  "POST /v1/subscriptions/:id": (ctx, p, { id }) => {
    allow(p, [
      "cancel_at_period_end",
      "cancel_at",
      "items",
      "proration_behavior",
      "default_payment_method",
      "metadata",
      "cancellation_details",
      "description",
      "payment_behavior",
      "proration_date",
      "discounts",
      "trial_end",
    ])
    const sub = ctx.store.get<Stripe.Subscription>(id, "subscription")
    if (p.trial_end !== undefined && p.trial_end !== "now")
      throw invalid("trial_end", "The emulator supports only trial_end=now on an update (a timestamp is not emulated).")
    if (sub.status === "canceled" || sub.status === "incomplete_expired")
      throw invalid("subscription", "A canceled subscription can only update its cancellation_details and metadata.")
    // Stripe: "The subscription is managed by the subscription schedule …, and updating any cancelation
    // behavior directly is not allowed. Please update the schedule instead."
    if (sub.schedule && (p.cancel_at_period_end !== undefined || p.cancel_at !== undefined))
      throw invalid(
        "cancel_at_period_end",
        `The subscription is managed by the subscription schedule \`${String(sub.schedule)}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
      )
    const behavior = paymentBehavior(p)
    const items = subscriptionItemsParam(ctx, sub, p)
    const change = items && { ...items, proration: prorationBehavior(p), prorationDate: prorationDate(ctx, sub, p) }
    // error_if_incomplete: an update whose invoice would not be paid is a 402 card_error and changes nothing.
    if (change && behavior === "error_if_incomplete" && billsNow(planItemChange(ctx, sub, change), change)) {
      const customer = ctx.store.get<Stripe.Customer>(sub.customer as string, "customer")
      assertChargeable(ctx, customer, (sub.default_payment_method as string | null) ?? undefined)
    }
    const previous: Record<string, unknown> = {}
    const set = <K extends keyof Stripe.Subscription>(k: K, v: Stripe.Subscription[K]) => {
      if (JSON.stringify(sub[k]) === JSON.stringify(v)) return
      previous[k] = sub[k]
      sub[k] = v
    }
    const end = onlyItem(sub.items).current_period_end
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
        comment: details ? str(details, "comment") || null : (sub.cancellation_details?.comment ?? null),
        feedback: details
          ? ((str(details, "feedback") || null) as Stripe.Subscription.CancellationDetails.Feedback | null)
          : (sub.cancellation_details?.feedback ?? null),
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
    if (change) changeItem(ctx, sub, change)
    // discounts: [{coupon | promotion_code}] replaces the subscription's discount (one here), as the
    // portal's accepted retention offer does.
    const discount = subscriptionDiscount(p)
    if (discount) {
      const it = sub.items.data[0]
      applyToSubscription(
        ctx,
        sub,
        resolveDiscount(ctx, discount, {
          products: it ? [it.price.product as string] : [],
          amount: it ? (it.price.unit_amount ?? 0) * (it.quantity ?? 1) : 0,
          currency: sub.currency,
          customer: sub.customer as string,
        }),
      )
    }
    // After the other changes, as Stripe applies them in one update. A subscription not trialing: nothing to end.
    if (p.trial_end === "now" && sub.status === "trialing") endTrialNow(ctx, sub)
    return sub
  },
  "DELETE /v1/subscriptions/:id": (ctx, p, { id }) => {
    allow(p, ["cancellation_details", "invoice_now", "prorate"])
    const sub = ctx.store.get<Stripe.Subscription>(id, "subscription")
    if (sub.status === "canceled") throw invalid("subscription", `No such subscription: '${id}'; it has already been canceled.`)
    const details = obj(p, "cancellation_details")
    cancelNow(
      ctx,
      sub,
      details ? { comment: str(details, "comment") ?? null, feedback: (str(details, "feedback") as never) ?? null } : undefined,
    )
    return sub
  },
  "POST /v1/subscriptions/:id/resume": (ctx, p, { id }) => {
    allow(p, ["billing_cycle_anchor", "payment_behavior", "proration_behavior", "proration_date"])
    const sub = ctx.store.get<Stripe.Subscription>(id, "subscription")
    if (sub.status !== "paused") throw invalid("subscription", "Only paused subscriptions can be resumed.")
    // At this API version billing_cycle_anchor is an object: billing_cycle_anchor[type]=now|unchanged.
    const anchorParam = obj(p, "billing_cycle_anchor")
    if (anchorParam) allow(anchorParam, ["type"], "billing_cycle_anchor")
    const anchor = anchorParam ? str(anchorParam, "type") : "now"
    if (anchor === undefined) throw missingParam("billing_cycle_anchor[type]")
    if (anchor !== "now" && anchor !== "unchanged")
      throw invalid("billing_cycle_anchor[type]", "Invalid billing_cycle_anchor[type]: must be one of now or unchanged")
    if (anchor === "unchanged")
      throw invalid("billing_cycle_anchor[type]", "The emulator resumes with billing_cycle_anchor[type]=now only.")
    const behavior = str(p, "payment_behavior") ?? "resume_on_payment_attempt"
    if (behavior !== "resume_on_payment_attempt" && behavior !== "resume_on_payment_success")
      throw invalid("payment_behavior", "Invalid payment_behavior: must be one of resume_on_payment_attempt or resume_on_payment_success")
    resumeSubscription(ctx, sub, behavior === "resume_on_payment_success")
    return sub
  },
  "GET /v1/subscriptions": (ctx, p) => {
    allow(p, [
      "customer",
      "status",
      "price",
      "limit",
      "starting_after",
      "ending_before",
      "created",
      "test_clock",
      "collection_method",
      "current_period_end",
      "current_period_start",
      "automatic_tax",
    ])
    const customer = str(p, "customer")
    const clock = str(p, "test_clock")
    const status = str(p, "status")
    if (status && !SUB_STATUSES.includes(status)) throw invalid("status", `Invalid status: must be one of ${SUB_STATUSES.join(", ")}`)
    const price = str(p, "price")
    const visible = (s: Stripe.Subscription) =>
      status === "all"
        ? true
        : status === "ended"
          ? ["canceled", "incomplete_expired"].includes(s.status)
          : status
            ? s.status === status
            : s.status !== "canceled" && s.status !== "incomplete_expired"
    const match = (s: Stripe.Subscription) =>
      (!customer || s.customer === customer) &&
      (!clock || clockOf(ctx, s.customer) === clock) &&
      visible(s) &&
      (!price || s.items.data[0]?.price.id === price)
    return paginate(
      customer ? ctx.store.ofCustomer("subscription", customer, match) : ctx.store.all("subscription", match),
      p,
      "/v1/subscriptions",
    )
  },
  "GET /v1/invoices/:id": (ctx, p, { id }) => allow(p, []) && ctx.store.get(id, "invoice"),
  "GET /v1/invoices": (ctx, p) => {
    allow(p, ["customer", "subscription", "status", "limit", "starting_after", "ending_before", "created", "collection_method"])
    const customer = str(p, "customer")
    const sub = str(p, "subscription")
    const status = str(p, "status")
    const match = (i: Stripe.Invoice) =>
      (!customer || i.customer === customer) &&
      (!sub || i.parent?.subscription_details?.subscription === sub) &&
      (!status || i.status === status)
    return paginate(customer ? ctx.store.ofCustomer("invoice", customer, match) : ctx.store.all("invoice", match), p, "/v1/invoices")
  },
  "POST /v1/invoices/:id/pay": (ctx, p, { id }) => {
    allow(p, ["payment_method", "off_session", "forgive", "paid_out_of_band", "source", "mandate"])
    const inv = ctx.store.get<Stripe.Invoice>(id, "invoice")
    if (inv.status !== "open") throw invalid("invoice", "Invoice is already paid.")
    payAndReactivate(ctx, inv)
    if (inv.status !== "paid")
      throw new StripeApiError(402, "card_error", "Your card was declined.", { code: "card_declined", decline_code: "generic_decline" })
    return inv
  },
}
