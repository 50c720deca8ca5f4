// Stripe's v2 meter event stream (docs.stripe.com/api/v2/billing-meter-stream): a meter event session
// (`POST /v2/billing/meter_event_session`, with the secret key) gives an authentication token valid for
// 15 minutes; `POST /v2/billing/meter_event_stream` (on meter-events.stripe.com, authenticated with that
// token) takes up to 100 events a call and answers `{}`. Bodies are JSON, timestamps RFC 3339 strings.
// Stripe validates stream events asynchronously: a malformed request is refused (400), but an event
// outside the timestamp window, with an identifier already used within 24 hours, for no meter or for an
// unknown customer is accepted and then not counted (Stripe reports it in a meter error report; here it
// is listed by GET /_emulator/meter_event_errors). Events land in the store v1 meter events use, so
// summaries, renewal invoices and credits count both. `POST /v2/billing/meter_event_adjustments` cancels
// an event by identifier within 24 hours of its receipt.
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { DAY } from "../context"
import { StripeApiError } from "../errors"
import type { StoredEvent } from "../meter-usage"
import type { Params } from "../params"
import { isRefusal, storeMeterEvent } from "./meters"
import type { Handler } from "./shared"
import { atCustomerTime } from "./test-clocks"

type Session = Stripe.V2.Billing.MeterEventSession & { _expires_at: number }
type Adjustment = Stripe.V2.Billing.MeterEventAdjustment

/** "Authentication tokens are only valid for 15 minutes." */
export const SESSION_TTL_S = 15 * 60
/** "Supports up to 100 events per request." */
export const STREAM_MAX_EVENTS = 100
export const STREAM_PATH = "/v2/billing/meter_event_stream"

/** What a stream event was dropped for: Stripe's meter error-report codes, and `duplicate_meter_event`. */
export type MeterEventError = {
  id: string
  object: "emulator.meter_event_error"
  created: number
  code: string
  message: string
  event_name: string
  identifier: string | null
}

const iso = (s: number) => new Date(s * 1000).toISOString()

/** A v2 validation error (400): Stripe's `v2.error` with the field in the message. */
const invalidField = (field: string, message: string) =>
  new StripeApiError(400, "invalid_request_error", `${field}: ${message}`, { code: "invalid_fields" })

function onlyFields(p: Params, keys: string[], at = "") {
  for (const k of Object.keys(p)) if (!keys.includes(k)) throw invalidField(`${at}${k}`, "unknown field.")
}

const mask = (key: string) => `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`

/**
 * The stream's authentication: a session's token, not yet expired (the emulator's own clock, not a
 * customer's test clock: a session is on no clock). Anything else is a 401.
 */
export function authenticateStream(ctx: Ctx, key: string, secretKey: string): Session {
  const session = ctx.store.all<Session>("v2.billing.meter_event_session", (s) => s.authentication_token === key)[0]
  if (!session)
    throw new StripeApiError(
      401,
      "invalid_request_error",
      key === secretKey
        ? "The meter event stream authenticates with a meter event session's authentication_token, not an API key (POST /v2/billing/meter_event_session)."
        : `Invalid meter event session token provided: ${mask(key)}`,
    )
  if (ctx.store.now() >= session._expires_at)
    throw new StripeApiError(401, "temporary_session_expired", "The temporary session token has expired.", {
      code: "billing_meter_event_session_expired",
    })
  return session
}

type StreamEvent = { event_name: string; payload: Record<string, string>; identifier?: string; timestamp?: number }

/** The request's schema, checked at once: a malformed event refuses the whole call, nothing stored. */
function parseEvent(raw: unknown, i: number): StreamEvent {
  const at = `events[${i}]`
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw invalidField(at, "expected an object.")
  const e = raw as Params
  onlyFields(e, ["event_name", "identifier", "payload", "timestamp"], `${at}.`)
  if (typeof e.event_name !== "string" || !e.event_name) throw invalidField(`${at}.event_name`, "required, a string.")
  if (e.event_name.length > 100) throw invalidField(`${at}.event_name`, "at most 100 characters.")
  if (!e.payload || typeof e.payload !== "object" || Array.isArray(e.payload)) throw invalidField(`${at}.payload`, "required, an object.")
  for (const [k, v] of Object.entries(e.payload as object))
    if (typeof v !== "string") throw invalidField(`${at}.payload.${k}`, "expected a string.")
  if (e.identifier !== undefined && (typeof e.identifier !== "string" || e.identifier.length > 100))
    throw invalidField(`${at}.identifier`, "a string of at most 100 characters.")
  let timestamp: number | undefined
  if (e.timestamp !== undefined) {
    const ms = typeof e.timestamp === "string" && /^\d{4}-\d\d-\d\dT/.test(e.timestamp) ? Date.parse(e.timestamp) : NaN
    if (!Number.isFinite(ms)) throw invalidField(`${at}.timestamp`, "expected an RFC 3339 date-time such as 2024-06-01T12:00:00.000Z.")
    timestamp = Math.floor(ms / 1000)
  }
  return {
    event_name: e.event_name,
    payload: e.payload as Record<string, string>,
    identifier: e.identifier as string | undefined,
    timestamp,
  }
}

function dropped(ctx: Ctx, e: StreamEvent, code: string, message: string) {
  ctx.store.put<MeterEventError>({
    id: ctx.store.id("mee"),
    object: "emulator.meter_event_error",
    created: ctx.store.now(),
    code,
    message,
    event_name: e.event_name,
    identifier: e.identifier ?? null,
  })
}

/** Stripe's asynchronous processing of one accepted event: stored (and counted), or dropped with a code. */
function processEvent(ctx: Ctx, e: StreamEvent) {
  const meters = ctx.store.all<Stripe.Billing.Meter>("billing.meter", (m) => m.event_name === e.event_name)
  const meter = meters.find((m) => m.status === "active")
  if (!meter)
    return meters.length
      ? dropped(ctx, e, "archived_meter", `The meter for event_name ${e.event_name} is inactive.`)
      : dropped(ctx, e, "no_meter", `No active meter has event_name ${e.event_name}.`)
  const ref = e.payload[meter.customer_mapping.event_payload_key]
  if (!ref) return dropped(ctx, e, "meter_event_no_customer_defined", `The payload has no ${meter.customer_mapping.event_payload_key}.`)
  const customer = ctx.store.find<Stripe.Customer>(ref)
  if (customer?.object !== "customer" || (customer as { deleted?: boolean }).deleted)
    return dropped(ctx, e, "meter_event_customer_not_found", `No such customer: '${ref}'`)
  const value = e.payload[meter.value_settings.event_payload_key]
  if (meter.default_aggregation.formula !== "count" && (value === undefined || !Number.isFinite(Number(value)) || value.trim() === ""))
    return dropped(ctx, e, "meter_event_invalid_value", `The payload's ${meter.value_settings.event_payload_key} is not a number.`)
  // Timed, like a v1 event, by the clock of the customer it names.
  const out = atCustomerTime(ctx, customer, () => storeMeterEvent(ctx, e))
  if (isRefusal(out)) dropped(ctx, e, out.code, out.message)
}

export const meterStream: Record<string, Handler> = {
  "POST /v2/billing/meter_event_session": (ctx, p) => {
    onlyFields(p, [])
    const now = ctx.store.now()
    const session: Session = {
      id: ctx.store.id("mes"),
      object: "v2.billing.meter_event_session",
      authentication_token: ctx.store.id("mes_tok", 40),
      created: iso(now),
      expires_at: iso(now + SESSION_TTL_S),
      livemode: false,
      _expires_at: now + SESSION_TTL_S,
    }
    return ctx.store.put(session)
  },
  // Authenticated by server.ts with authenticateStream before this runs.
  [`POST ${STREAM_PATH}`]: (ctx, p) => {
    onlyFields(p, ["events"])
    if (!Array.isArray(p.events)) throw invalidField("events", "required, an array of events.")
    if (p.events.length > STREAM_MAX_EVENTS)
      throw invalidField("events", `at most ${STREAM_MAX_EVENTS} events per request, got ${p.events.length}.`)
    const events = p.events.map(parseEvent)
    for (const e of events) processEvent(ctx, e)
    return {}
  },
  "POST /v2/billing/meter_event_adjustments": (ctx, p) => {
    onlyFields(p, ["cancel", "event_name", "type"])
    if (typeof p.event_name !== "string" || !p.event_name) throw invalidField("event_name", "required, a string.")
    if (p.type !== "cancel") throw invalidField("type", "required, one of: cancel.")
    const cancel = p.cancel as { identifier?: unknown } | undefined
    if (!cancel || typeof cancel !== "object" || typeof cancel.identifier !== "string" || !cancel.identifier)
      throw new StripeApiError(400, "invalid_request_error", "The adjustment configuration is invalid for the adjustment type.", {
        code: "invalid_cancel_configuration",
      })
    const identifier = cancel.identifier
    const eventName = p.event_name
    // "You can only cancel events within 24 hours of Stripe receiving them." Processed asynchronously:
    // the answer is `pending` whatever it finds; an event it cannot cancel stays counted. The 24 hours are
    // counted on the clock the event was received on (its customer's test clock, if any).
    const event = ctx.store.find<StoredEvent>(`meter_event:${identifier}`)
    if (event?.object === "billing.meter_event" && event.event_name === eventName && event._canceled_at === undefined) {
      // The customer is the payload's value under the meter's customer_mapping key, as when it was counted.
      const meter = ctx.store.all<Stripe.Billing.Meter>("billing.meter", (m) => m.event_name === eventName)[0]
      const ref = event.payload[meter?.customer_mapping.event_payload_key ?? "stripe_customer_id"]
      const customer = ctx.store.find<Stripe.Customer>(ref)
      const cancelAt = (at: number) => {
        if (event._created_at <= at - DAY) return
        event._canceled_at = at
        ctx.store.put(event)
      }
      if (customer?.object === "customer") atCustomerTime(ctx, customer, () => cancelAt(ctx.store.now()))
      else cancelAt(ctx.store.now())
    }
    const now = ctx.store.now()
    const adjustment: Adjustment = {
      id: ctx.store.id("mtr_event_adj"),
      object: "v2.billing.meter_event_adjustment",
      cancel: { identifier },
      created: iso(now),
      event_name: eventName,
      livemode: false,
      status: "pending",
      type: "cancel",
    }
    return ctx.store.put(adjustment)
  },
}
