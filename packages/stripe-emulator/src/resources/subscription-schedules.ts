// /v1/subscription_schedules: a schedule made from an existing subscription (`from_subscription`),
// retrieved, listed, its phases replaced, released or canceled. What the clock does with it: schedules.ts.
import type Stripe from "stripe"
import { assertTaxLocation, automaticTaxParam } from "../tax"
import { item, recurringPrice } from "../billing"
import type { Ctx } from "../context"
import { fromDefaults } from "../defaults"
import { invalid } from "../errors"
import { allow, bool, int, list, mergeMetadata, obj, str, type Params } from "../params"
import { cancelSchedule, phaseEnd, phaseObject, releaseSchedule, type Phase, type Schedule } from "../schedules"
import { paginate } from "../store"
import type { Handler } from "./shared"

const getSchedule = (ctx: Ctx, id: string) => ctx.store.get<Schedule>(id, "subscription_schedule")
const END_BEHAVIORS = ["release", "cancel"] as const
const PRORATIONS = ["create_prorations", "always_invoice", "none"] as const

function notActive(s: Schedule, verb: string) {
  return invalid("subscription_schedule", `You cannot ${verb} a subscription schedule that is \`${s.status}\`.`)
}

/** `phases[i]` of an update: items (one price), a start only on the first, an end, a duration or neither (one interval). */
export function phasesParam(ctx: Ctx, s: Pick<Schedule, "current_phase" | "customer">, p: Params): Phase[] {
  const raw = list(p, "phases") ?? []
  if (raw.length === 0) throw invalid("phases", "A subscription schedule needs at least one phase.")
  const current = s.current_phase
  const out: Phase[] = []
  raw.forEach((r, i) => {
    const ph = r as Params
    const param = `phases[${i}]`
    allow(ph, ["items", "start_date", "end_date", "duration", "proration_behavior", "discounts", "metadata", "automatic_tax"], param)
    const automaticTax = automaticTaxParam(ph, `${param}[automatic_tax]`)
    if (automaticTax) assertTaxLocation(ctx.store.get<Stripe.Customer>(s.customer as string, "customer"))
    const items = list(ph, "items") ?? []
    if (items.length !== 1) throw invalid(`${param}[items]`, "The emulator supports phases with exactly one item.")
    const itemRaw = items[0] as Params
    allow(itemRaw, ["price", "quantity", "discounts", "metadata"], `${param}[items][0]`)
    const price = recurringPrice(ctx, str(itemRaw, "price") ?? "", `${param}[items][0][price]`)
    const quantity = int(itemRaw, "quantity") ?? 1
    const prev = out[i - 1]
    const startRaw = str(ph, "start_date")
    let start: number
    if (i === 0) {
      start = startRaw === undefined ? (current?.start_date ?? ctx.store.now()) : startRaw === "now" ? ctx.store.now() : Number(startRaw)
      if (current && start !== current.start_date)
        throw invalid(`${param}[start_date]`, "You can not modify the start date of the current phase.")
    } else {
      if (!prev) throw new Error("unreachable")
      if (startRaw !== undefined && Number(startRaw) !== prev.end_date)
        throw invalid(`${param}[start_date]`, "Phases must be contiguous: a phase starts when the previous one ends.")
      start = prev.end_date
    }
    const endRaw = int(ph, "end_date")
    const duration = obj(ph, "duration")
    if (endRaw !== undefined && duration) throw invalid(param, "You may only specify one of these parameters: end_date, duration.")
    let end: number
    if (endRaw !== undefined) end = endRaw
    else if (duration) {
      allow(duration, ["interval", "interval_count"], `${param}[duration]`)
      const interval = str(duration, "interval") as Stripe.Price.Recurring.Interval | undefined
      if (!interval || !["day", "week", "month", "year"].includes(interval))
        throw invalid(`${param}[duration][interval]`, "Invalid interval: must be one of day, week, month or year")
      end = phaseEnd(start, price, { interval, count: int(duration, "interval_count") ?? 1 })
    } else end = phaseEnd(start, price)
    if (end <= start) throw invalid(`${param}[end_date]`, "The phase's end_date must be after its start_date.")
    const proration = str(ph, "proration_behavior") ?? "create_prorations"
    if (!(PRORATIONS as readonly string[]).includes(proration))
      throw invalid(`${param}[proration_behavior]`, `Invalid proration_behavior: must be one of ${PRORATIONS.join(", ")}`)
    const discounts = (list(ph, "discounts") ?? []).map((d, j) => {
      const dp = d as Params
      allow(dp, ["coupon", "discount", "promotion_code"], `${param}[discounts][${j}]`)
      return { coupon: str(dp, "coupon") ?? null, discount: str(dp, "discount") ?? null, promotion_code: str(dp, "promotion_code") ?? null }
    })
    out.push(
      phaseObject(ctx, {
        items: [{ price: price.id, quantity }],
        start,
        end,
        currency: price.currency,
        proration: proration as Stripe.SubscriptionSchedule.Phase.ProrationBehavior,
        discounts: discounts as Stripe.SubscriptionSchedule.Phase.Discount[],
        metadata: mergeMetadata({}, ph),
        automaticTax,
      }),
    )
  })
  return out
}

export const subscriptionSchedules: Record<string, Handler> = {
  "POST /v1/subscription_schedules": (ctx, p) => {
    allow(p, ["from_subscription", "customer", "phases", "end_behavior", "metadata", "start_date", "default_settings"])
    const fromId = str(p, "from_subscription")
    if (!fromId)
      throw invalid("from_subscription", "The emulator creates schedules from an existing subscription (from_subscription) only.")
    for (const k of ["customer", "phases", "end_behavior", "start_date", "default_settings"])
      if (p[k] !== undefined) throw invalid(k, `You cannot set \`${k}\` if \`from_subscription\` is set.`)
    const sub = ctx.store.get<Stripe.Subscription>(fromId, "subscription", "subscription", "from_subscription")
    if (sub.status === "canceled" || sub.status === "incomplete_expired")
      throw invalid("from_subscription", "You cannot create a subscription schedule from a canceled subscription.")
    if (sub.schedule)
      throw invalid("from_subscription", `The subscription \`${sub.id}\` is already attached to a schedule (\`${String(sub.schedule)}\`).`)
    const it = item(sub)
    const now = ctx.store.now()
    // The one phase describing the subscription as it is: its item, from the period's start to its end.
    const phase = phaseObject(ctx, {
      items: [{ price: it.price.id, quantity: it.quantity ?? 1 }],
      start: it.current_period_start,
      end: it.current_period_end,
      currency: sub.currency,
      proration: "create_prorations",
      discounts: sub.discounts.map((d) => ({
        coupon: null,
        discount: typeof d === "string" ? d : d.id,
        promotion_code: null,
      })) as Stripe.SubscriptionSchedule.Phase.Discount[],
    })
    const schedule = fromDefaults<Schedule>("subscription_schedule", {
      id: ctx.store.id("sub_sched"),
      object: "subscription_schedule",
      billing_mode: sub.billing_mode,
      created: now,
      current_phase: { start_date: phase.start_date, end_date: phase.end_date },
      customer: sub.customer as string,
      default_settings: {
        application_fee_percent: null,
        billing_cycle_anchor: "automatic",
        billing_thresholds: null,
        collection_method: "charge_automatically",
        default_payment_method: (sub.default_payment_method as string | null) ?? null,
        description: sub.description,
        invoice_settings: {
          account_tax_ids: null,
          custom_fields: null,
          days_until_due: null,
          description: null,
          footer: null,
          issuer: { type: "self" },
        },
        on_behalf_of: null,
        transfer_data: null,
      } as Schedule["default_settings"],
      end_behavior: "release",
      metadata: mergeMetadata({}, p),
      phases: [phase],
      status: "active",
      subscription: sub.id,
      test_clock: sub.test_clock,
    })
    ctx.store.put(schedule)
    const previous = { schedule: sub.schedule }
    sub.schedule = schedule.id
    ctx.store.put(sub)
    ctx.emit("subscription_schedule.created", schedule)
    ctx.emit("customer.subscription.updated", sub, previous)
    return schedule
  },
  "GET /v1/subscription_schedules/:id": (ctx, p, { id }) => allow(p, []) && getSchedule(ctx, id),
  "GET /v1/subscription_schedules": (ctx, p) => {
    allow(p, ["customer", "limit", "starting_after", "ending_before", "scheduled", "created"])
    const customer = str(p, "customer")
    return paginate(
      ctx.store.all<Schedule>("subscription_schedule", (s) => !customer || s.customer === customer),
      p,
      "/v1/subscription_schedules",
    )
  },
  "POST /v1/subscription_schedules/:id": (ctx, p, { id }) => {
    allow(p, ["phases", "end_behavior", "proration_behavior", "metadata"])
    const s = getSchedule(ctx, id)
    if (s.status !== "active" && s.status !== "not_started") throw notActive(s, "update")
    const previous: Record<string, unknown> = {}
    if (p.phases !== undefined) {
      previous.phases = s.phases
      s.phases = phasesParam(ctx, s, p)
      const first = s.phases[0]
      if (first) s.current_phase = { start_date: first.start_date, end_date: first.end_date }
    }
    const end = str(p, "end_behavior")
    if (end !== undefined) {
      if (!(END_BEHAVIORS as readonly string[]).includes(end))
        throw invalid("end_behavior", `Invalid end_behavior: must be one of ${END_BEHAVIORS.join(", ")}`)
      previous.end_behavior = s.end_behavior
      s.end_behavior = end as Schedule["end_behavior"]
    }
    const proration = str(p, "proration_behavior")
    if (proration !== undefined && !(PRORATIONS as readonly string[]).includes(proration))
      throw invalid("proration_behavior", `Invalid proration_behavior: must be one of ${PRORATIONS.join(", ")}`)
    if (p.metadata !== undefined) {
      previous.metadata = s.metadata
      s.metadata = mergeMetadata(s.metadata ?? {}, p)
    }
    ctx.store.put(s)
    ctx.emit("subscription_schedule.updated", s, previous)
    return s
  },
  "POST /v1/subscription_schedules/:id/release": (ctx, p, { id }) => {
    allow(p, ["preserve_cancel_date"])
    bool(p, "preserve_cancel_date")
    const s = getSchedule(ctx, id)
    if (s.status !== "active" && s.status !== "not_started") throw notActive(s, "release")
    releaseSchedule(ctx, s)
    return s
  },
  "POST /v1/subscription_schedules/:id/cancel": (ctx, p, { id }) => {
    allow(p, ["invoice_now", "prorate"])
    const s = getSchedule(ctx, id)
    if (s.status !== "active" && s.status !== "not_started") throw notActive(s, "cancel")
    cancelSchedule(ctx, s)
    return s
  },
}
