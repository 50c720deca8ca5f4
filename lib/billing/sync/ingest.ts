// The webhook endpoint: raw body and signature first, then one insert, then 2xx. Applying happens
// after the response (Next's after()), per customer, by the drain; the cron drains what after() missed.
// 400: unsigned, forged, stale or malformed (nothing stored). 413: oversized. 503: not stored (Stripe retries).
import "server-only"
import { after } from "next/server"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { flushEmailOutbox } from "../email/outbox"
import { verifyWebhook } from "@/lib/stripe"
import { drainBillingEvents } from "./drain"
import { storeEvent } from "./inbox"
import { pagesFirst } from "./pace"
import { soon } from "./soon"

/** Stripe's events are far smaller; this bounds what an unauthenticated caller can make us read. */
export const MAX_WEBHOOK_BYTES = 512 * 1024

// no-transform: Stripe does not need these few bytes gzipped, and compressing every reply was a
// fifth of the route's CPU (bench:webhooks profile).
const json = (status: number, body: object) => Response.json(body, { status, headers: { "cache-control": "no-store, no-transform" } })

type Options = {
  /** Runs work after the response; Next's after() in the app, something awaitable in tests. */
  schedule?: (task: () => Promise<unknown>) => void
  /** The coalescing window; BILLING_COALESCE_MS unless a test sets its own. */
  coalesceMs?: number
}

/** Pages first: while people's requests are in flight, deliveries take turns (pace.ts, pagesFirst). */
export function receiveStripeWebhook(request: Request, options: Options = {}): Promise<Response> {
  return pagesFirst(() => receive(request, options))
}

async function receive(request: Request, { schedule = after, coalesceMs = env.billing.coalesceMs }: Options): Promise<Response> {
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

  const verified = verifyWebhook(body, signature, secret)
  if (!verified.ok) {
    log.warn("webhook rejected", { error: verified.error })
    return json(400, { error: "invalid signature or payload" })
  }
  const { event, intent } = verified
  let stored
  try {
    stored = await storeEvent(event, intent, coalesceMs)
  } catch (err) {
    // Not stored, so not acknowledged: Stripe delivers it again.
    log.error("webhook not stored", { event: event.id, type: event.type, error: err })
    return json(503, { error: "temporarily unavailable" })
  }
  if (stored === "stored" && intent.kind === "sync") schedule(() => drainSoon(coalesceMs + 50))
  return json(200, { received: true, stored: stored === "stored" })
}

/** A drain loop keeps an instance (and, on Vercel, its function) busy at most this long; the cron covers the rest. */
const DRAIN_LOOP_MS = 30_000

/**
 * Waits out the coalescing window so a burst for one customer is applied with one Stripe read. One
 * drain loop per instance: the deliveries of a burst join it instead of each running a claim of its
 * own, and it goes round again while deliveries joined after its last claim, or while due events
 * were left because another applier (a page's sync, another instance) held their customer. The emails
 * those events queued go in the same round (still after the response), so a delivery that lands while
 * they are sent is not left to a loop that has ended (the trial suite's 3 events left unapplied).
 */
const drainSoon = soon(
  async () => {
    const report = await drainBillingEvents()
    await flushEmailOutbox()
    return { again: (report.heldElsewhere > 0 || report.budgetSpent) && !report.rateLimited }
  },
  {
    loopMs: DRAIN_LOOP_MS,
    onError: (err) => log.error("drain after webhook failed; the cron will pick the events up", { error: err }),
    onBudgetSpent: () => log.warn(`drain after webhook stopped at its ${DRAIN_LOOP_MS / 1000} s budget; the cron applies the rest`),
  },
)

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
