// The webhook endpoint's logic: raw body and signature first, then exactly-once processing.
// 400: unsigned, forged or stale (nothing written). 413: oversized. 5xx: processing failed (Stripe retries).
import "server-only"
import Stripe from "stripe"
import { processEvent } from "@/lib/billing/process-event"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { stripe } from "./config"

/** Stripe's events are far smaller; this bounds what an unauthenticated caller can make us read. */
export const MAX_WEBHOOK_BYTES = 512 * 1024

// no-transform: Stripe does not need these few bytes gzipped, and compressing every reply was a
// fifth of the route's CPU (bench:webhooks profile).
const json = (status: number, body: object) => Response.json(body, { status, headers: { "cache-control": "no-store, no-transform" } })

export async function receiveStripeWebhook(request: Request): Promise<Response> {
  const secret = env.stripeWebhookSecret
  if (!secret) {
    log.error("webhook rejected: STRIPE_WEBHOOK_SECRET is not configured")
    return json(500, { error: "webhook secret not configured" })
  }
  const signature = request.headers.get("stripe-signature")
  if (!signature) return json(400, { error: "missing Stripe-Signature header" })
  if (Number(request.headers.get("content-length") ?? 0) > MAX_WEBHOOK_BYTES) return json(413, { error: "payload too large" })
  const body = await readBounded(request)
  if (body === null) return json(413, { error: "payload too large" })

  let event: Stripe.Event
  try {
    event = stripe.webhooks.constructEvent(body, signature, secret) // default tolerance: 300 s
  } catch (err) {
    log.warn("webhook signature rejected", { error: (err as Error).message })
    return json(400, { error: "invalid signature" })
  }

  const started = performance.now()
  try {
    const outcome = await processEvent(event, { raw: body })
    log.info("webhook processed", { event: event.id, type: event.type, outcome, ms: Math.round(performance.now() - started) })
    return json(200, { received: true, outcome })
  } catch (err) {
    log.error("webhook processing failed", { event: event.id, type: event.type, error: err })
    return json(500, { error: "processing failed" })
  }
}

async function readBounded(request: Request): Promise<string | null> {
  if (!request.body) return ""
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_WEBHOOK_BYTES) {
      await reader.cancel()
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString("utf8")
}
