// Billing Meters: the meter events the usage outbox sends, and the summaries the reconciliation reads.
import "server-only"
import { BillingProviderError } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"

/**
 * One v1 meter event carrying a batch's summed value. The identifier is the batch's id: a batch sent
 * again (after a timeout or crash) is refused by Stripe as a duplicate within 24 h, which counts as sent.
 */
export async function sendMeterEvent(e: {
  eventName: string
  customerId: string
  value: number
  identifier: string
  timestamp: number
}): Promise<"sent" | "duplicate"> {
  try {
    await stripeCall(() =>
      stripe.billing.meterEvents.create({
        event_name: e.eventName,
        identifier: e.identifier,
        timestamp: e.timestamp,
        payload: { stripe_customer_id: e.customerId, value: String(e.value) },
      }),
    )
    return "sent"
  } catch (err) {
    if (err instanceof BillingProviderError && err.detail.code === "resource_already_exists") return "duplicate"
    throw err
  }
}

const meterIds = new Map<string, string>()

/** The active meter for an event name (cached per process; stripe:setup creates it). */
export async function meterId(eventName: string): Promise<string> {
  const known = meterIds.get(eventName)
  if (known) return known
  for await (const m of stripe.billing.meters.list({ status: "active", limit: 100 }))
    if (m.event_name === eventName) {
      meterIds.set(eventName, m.id)
      return m.id
    }
  throw new BillingProviderError("not_found", `No active Stripe meter for event ${eventName}: run npm run stripe:setup.`)
}

/** What Stripe has aggregated for a customer in [start, end) (minute-aligned). */
export async function meterTotal(eventName: string, customerId: string, start: number, end: number): Promise<number> {
  const id = await meterId(eventName)
  let total = 0
  for await (const s of stripe.billing.meters.listEventSummaries(id, {
    customer: customerId,
    start_time: Math.floor(start / 60) * 60,
    end_time: Math.ceil(end / 60) * 60,
  }))
    total += s.aggregated_value
  return total
}

export async function ensureMeter(eventName: string, displayName: string): Promise<string> {
  try {
    return await meterId(eventName)
  } catch (err) {
    if (!(err instanceof BillingProviderError) || err.kind !== "not_found") throw err
  }
  const m = await stripeCall(() =>
    stripe.billing.meters.create({
      display_name: displayName,
      event_name: eventName,
      default_aggregation: { formula: "sum" },
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
    }),
  )
  meterIds.set(eventName, m.id)
  return m.id
}

const pricesByKey = new Map<string, string | null>()

/**
 * The active price with this lookup key (cached per process; stripe:setup creates the metered prices).
 * null when there is none: Checkout then sells the plan without its usage item, and a warning is logged.
 */
export async function priceIdByLookupKey(lookupKey: string): Promise<string | null> {
  if (pricesByKey.has(lookupKey)) return pricesByKey.get(lookupKey) ?? null
  const [price] = (await stripeCall(() => stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 }))).data
  if (price) pricesByKey.set(lookupKey, price.id)
  return price?.id ?? null
}
