// What a Billing Meter has aggregated for a customer in a window (sum / count / last), from the stored
// v1 meter events. Shared by the summaries endpoint and the renewal's usage lines.
import type Stripe from "stripe"
import type { Ctx } from "./context"

type Meter = Stripe.Billing.Meter
/** A v1 or v2 meter event as stored; `_canceled_at` once a v2 meter event adjustment cancelled it. */
export type StoredEvent = Stripe.Billing.MeterEvent & { id: string; _created_at: number; _canceled_at?: number }

/** The events a meter counts for a customer in [start, end). */
function countedEvents(ctx: Ctx, meter: Meter, customer: string, start: number, end: number) {
  const ck = meter.customer_mapping.event_payload_key
  const vk = meter.value_settings.event_payload_key
  return ctx.store
    .all<StoredEvent>(
      "billing.meter_event",
      (e) =>
        e.event_name === meter.event_name &&
        e._canceled_at === undefined &&
        e.payload[ck] === customer &&
        e.timestamp >= start &&
        e.timestamp < end &&
        (meter.default_aggregation.formula === "count" || Number.isFinite(Number(e.payload[vk]))) &&
        // Events sent after deactivation are refused by Stripe's processing.
        (meter.status_transitions.deactivated_at === null || e.created < meter.status_transitions.deactivated_at),
    )
    .sort((a, b) => a.timestamp - b.timestamp || a.created - b.created)
}

export function aggregate(ctx: Ctx, meter: Meter, customer: string, start: number, end: number): number {
  const events = countedEvents(ctx, meter, customer, start, end)
  const vk = meter.value_settings.event_payload_key
  switch (meter.default_aggregation.formula) {
    case "count":
      return events.length
    case "last":
      return events.length ? Number(events[events.length - 1]?.payload[vk]) : 0
    default:
      return events.reduce((s, e) => s + Number(e.payload[vk]), 0)
  }
}
