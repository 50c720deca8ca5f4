// Billing Meters, v1 meter events and event summaries (usage-based billing).
// Stripe's rules kept here: an event's timestamp must lie within the past 35 days or up to 5 minutes
// ahead; an `identifier` is unique within a rolling 24 hours; events for a deactivated meter or without
// the meter's customer / value payload keys are not counted (Stripe reports those asynchronously).
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { DAY } from "../context"
import { fromDefaults } from "../defaults"
import { invalid, StripeApiError } from "../errors"
import { allow, int, missingParam, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { atCustomerTime } from "./test-clocks"
import { aggregate, type StoredEvent } from "../meter-usage"
import type { Handler } from "./shared"

type Meter = Stripe.Billing.Meter

const FORMULAS = ["sum", "count", "last"]
export const PAST_WINDOW_S = 35 * DAY
export const FUTURE_WINDOW_S = 5 * 60
export const IDENTIFIER_WINDOW_S = DAY

const getMeter = (ctx: Ctx, id: string) => ctx.store.get<Meter>(id, "billing meter", "billing.meter")

function createMeter(ctx: Ctx, p: Params): Meter {
  allow(p, ["default_aggregation", "display_name", "event_name", "customer_mapping", "event_time_window", "value_settings"])
  const displayName = req(p, "display_name")
  const eventName = req(p, "event_name")
  if (eventName.length > 100) throw invalid("event_name", "event_name must be at most 100 characters.")
  const agg = obj(p, "default_aggregation")
  if (!agg) throw missingParam("default_aggregation")
  allow(agg, ["formula"], "default_aggregation")
  const formula = req(agg, "formula")
  if (!FORMULAS.includes(formula))
    throw invalid("default_aggregation[formula]", `Invalid default_aggregation[formula]: must be one of ${FORMULAS.join(", ")}`)
  if (ctx.store.all<Meter>("billing.meter", (m) => m.event_name === eventName && m.status === "active").length)
    throw invalid("event_name", `An active meter with event_name \`${eventName}\` already exists.`)
  const cm = obj(p, "customer_mapping")
  if (cm) allow(cm, ["event_payload_key", "type"], "customer_mapping")
  if (cm && str(cm, "type") !== "by_id") throw invalid("customer_mapping[type]", "Invalid customer_mapping[type]: must be one of by_id")
  const vs = obj(p, "value_settings")
  if (vs) allow(vs, ["event_payload_key"], "value_settings")
  const window = str(p, "event_time_window")
  if (window !== undefined && window !== "day" && window !== "hour")
    throw invalid("event_time_window", "Invalid event_time_window: must be one of day, hour")
  const now = ctx.store.now()
  const meter = fromDefaults<Meter>("billing.meter", {
    id: ctx.store.id("mtr"),
    object: "billing.meter",
    created: now,
    updated: now,
    display_name: displayName,
    event_name: eventName,
    event_time_window: (window as Stripe.Billing.Meter.EventTimeWindow | undefined) ?? null,
    status: "active",
    status_transitions: { deactivated_at: null },
    customer_mapping: { type: "by_id", event_payload_key: (cm && str(cm, "event_payload_key")) || "stripe_customer_id" },
    default_aggregation: { formula: formula as Stripe.Billing.Meter.DefaultAggregation.Formula },
    value_settings: { event_payload_key: (vs && str(vs, "event_payload_key")) || "value" },
  })
  return ctx.store.put(meter)
}

/** Why an event is not stored: Stripe's error-report codes for the window, the v2 error's for a repeat. */
export type MeterEventRefusal = {
  code: "timestamp_too_far_in_past" | "timestamp_in_future" | "duplicate_meter_event"
  message: string
}

/**
 * Stores one meter event (v1 and the v2 stream share it, so summaries, renewal invoices and credits see
 * both), or says why not: a timestamp outside the window or an identifier already used within 24 hours.
 * Runs at the time of the clock it is called under (the customer's test clock, see atCustomerTime).
 */
export function storeMeterEvent(
  ctx: Ctx,
  e: { event_name: string; payload: Record<string, string>; identifier?: string; timestamp?: number },
): StoredEvent | MeterEventRefusal {
  const now = ctx.store.now()
  const timestamp = e.timestamp ?? now
  if (timestamp < now - PAST_WINDOW_S)
    return { code: "timestamp_too_far_in_past", message: "Timestamp must be within the past 35 calendar days." }
  if (timestamp > now + FUTURE_WINDOW_S)
    return { code: "timestamp_in_future", message: "Timestamp must be at most 5 minutes in the future." }
  const identifier = e.identifier || ctx.store.id("mev")
  const key = `meter_event:${identifier}`
  const earlier = ctx.store.find<StoredEvent>(key)
  if (earlier && earlier._created_at > now - IDENTIFIER_WINDOW_S)
    return { code: "duplicate_meter_event", message: `An event already exists with identifier ${identifier}.` }
  // An identifier used again after 24 hours is a new event: the earlier one stays (and counted) under
  // another key, the key names the newest (what an adjustment cancels).
  if (earlier) ctx.store.put({ ...earlier, id: `${key}@${earlier._created_at}` })
  const event: StoredEvent = {
    id: key,
    object: "billing.meter_event",
    created: now,
    event_name: e.event_name,
    identifier,
    livemode: false,
    payload: e.payload,
    timestamp,
    _created_at: now,
  }
  return ctx.store.put(event)
}

export const isRefusal = (r: StoredEvent | MeterEventRefusal): r is MeterEventRefusal => !("object" in r)

/** v1 `POST /v1/billing/meter_events`: validated at once, a refusal is a 400. */
export function recordMeterEvent(ctx: Ctx, p: Params): Stripe.Billing.MeterEvent {
  const eventName = str(p, "event_name")
  if (!eventName) throw missingParam("event_name")
  const payload = obj(p, "payload")
  if (!payload) throw missingParam("payload")
  const identifier = str(p, "identifier")
  if (identifier && identifier.length > 100) throw invalid("identifier", "identifier must be at most 100 characters.")
  const stringPayload = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, String(v)]))
  const out = storeMeterEvent(ctx, { event_name: eventName, payload: stringPayload, identifier, timestamp: int(p, "timestamp") })
  if (isRefusal(out)) {
    if (out.code === "duplicate_meter_event")
      throw new StripeApiError(400, "invalid_request_error", out.message, { param: "identifier", code: "resource_already_exists" })
    throw invalid("timestamp", "Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.")
  }
  const { id: _id, _created_at, _canceled_at, ...shown } = out
  return shown
}

function summaries(ctx: Ctx, p: Params, id: string) {
  allow(p, ["customer", "start_time", "end_time", "value_grouping_window", "limit", "starting_after", "ending_before"])
  const meter = getMeter(ctx, id)
  const customer = req(p, "customer")
  const start = int(p, "start_time")
  const end = int(p, "end_time")
  if (start === undefined) throw missingParam("start_time")
  if (end === undefined) throw missingParam("end_time")
  if (start % 60 || end % 60) throw invalid(start % 60 ? "start_time" : "end_time", "Timestamps must be aligned with minute boundaries.")
  if (end <= start) throw invalid("end_time", "end_time must be after start_time.")
  const windowName = str(p, "value_grouping_window")
  if (windowName !== undefined && windowName !== "day" && windowName !== "hour")
    throw invalid("value_grouping_window", "Invalid value_grouping_window: must be one of day, hour")
  const step = windowName === "day" ? DAY : windowName === "hour" ? 3600 : end - start
  const out: Stripe.Billing.MeterEventSummary[] = []
  for (let s = start; s < end; s += step) {
    const e = Math.min(end, s + step)
    out.push({
      id: `mtrusg_${meter.id.slice(4)}_${s}`,
      object: "billing.meter_event_summary",
      aggregated_value: aggregate(ctx, meter, customer, s, e),
      start_time: s,
      end_time: e,
      livemode: false,
      meter: meter.id,
    })
  }
  // Stripe lists summaries newest first, like every list (paginate reverses items without `created`).
  return paginate(out, p, `/v1/billing/meters/${meter.id}/event_summaries`)
}

function setStatus(ctx: Ctx, id: string, p: Params, active: boolean) {
  allow(p, [])
  const meter = getMeter(ctx, id)
  if ((meter.status === "active") === active) throw invalid("id", `This meter is already ${active ? "active" : "inactive"}.`)
  meter.status = active ? "active" : "inactive"
  meter.status_transitions = { deactivated_at: active ? null : ctx.store.now() }
  meter.updated = ctx.store.now()
  return ctx.store.put(meter)
}

export const meters: Record<string, Handler> = {
  "POST /v1/billing/meters": (ctx, p) => createMeter(ctx, p),
  "GET /v1/billing/meters/:id": (ctx, p, { id }) => (allow(p, []), getMeter(ctx, id)),
  "POST /v1/billing/meters/:id": (ctx, p, { id }) => {
    allow(p, ["display_name"])
    const meter = getMeter(ctx, id)
    const name = str(p, "display_name")
    if (name) meter.display_name = name
    meter.updated = ctx.store.now()
    return ctx.store.put(meter)
  },
  "GET /v1/billing/meters": (ctx, p) => {
    allow(p, ["status", "limit", "starting_after", "ending_before"])
    const status = str(p, "status")
    return paginate(
      ctx.store.all<Meter>("billing.meter", (m) => !status || m.status === status),
      p,
      "/v1/billing/meters",
    )
  },
  "POST /v1/billing/meters/:id/deactivate": (ctx, p, { id }) => setStatus(ctx, id, p, false),
  "POST /v1/billing/meters/:id/reactivate": (ctx, p, { id }) => setStatus(ctx, id, p, true),
  "GET /v1/billing/meters/:id/event_summaries": (ctx, p, { id }) => {
    const customer = ctx.store.find<Stripe.Customer>(str(p, "customer"))
    return customer?.object === "customer" ? atCustomerTime(ctx, customer, () => summaries(ctx, p, id)) : summaries(ctx, p, id)
  },
  "POST /v1/billing/meter_events": (ctx, p) => {
    allow(p, ["event_name", "payload", "identifier", "timestamp"])
    // An event is timed by the clock of the customer it names (a customer on a test clock lives at its time).
    const payload = obj(p, "payload")
    const ref = payload && Object.values(payload).find((v) => typeof v === "string" && v.startsWith("cus_"))
    const customer = ctx.store.find<Stripe.Customer>(typeof ref === "string" ? ref : undefined)
    return customer?.object === "customer" ? atCustomerTime(ctx, customer, () => recordMeterEvent(ctx, p)) : recordMeterEvent(ctx, p)
  },
}
