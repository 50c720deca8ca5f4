// Webhook delivery as Stripe does it: signed with the endpoint's secret, retried with back-off on
// anything but 2xx, concurrent and therefore unordered. A chaos mode duplicates, reorders and
// delays deliveries; `idle()` resolves when nothing is queued or in flight (tests wait on it).
import { createHmac } from "node:crypto"
import type Stripe from "stripe"
import type { Store } from "./store"

export type Chaos = {
  /** Probability (0..1) that a delivery is sent twice. */
  duplicate: number
  /** Deliver due items in random order instead of first in, first out. */
  reorder: boolean
  /** Extra delay in ms, uniformly drawn from [min, max], per delivery. */
  delayMs: [number, number]
}
export const NO_CHAOS: Chaos = { duplicate: 0, reorder: false, delayMs: [0, 0] }

export type DeliveryLogEntry = {
  event: string
  type: string
  endpoint: string
  attempt: number
  status: number | null
  error?: string
  ms: number
  at: string
  /** When the delivery failed: the back-off before the next attempt (absent when given up). */
  retryInMs?: number
}

type Delivery = { endpointId: string; event: Stripe.Event; attempt: number; dueAt: number }

export type WebhookOptions = {
  /** Wait before retry n (ms). Stripe backs off over up to 3 days; dev uses a shorter ladder. */
  retryDelaysMs: number[]
  concurrency: number
  timeoutMs: number
  log: (line: string) => void
}

/**
 * Stripe retries a failed delivery with exponential back-off (for up to three days in live mode);
 * the emulator keeps the shape, scaled by `initialMs` (1 s in dev, a few ms in tests), ±10 % jitter.
 */
export function exponentialDelays(initialMs: number, retries: number): number[] {
  return Array.from({ length: retries }, (_, n) => Math.round(initialMs * 2 ** n * (0.9 + Math.random() * 0.2)))
}

export function sign(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex")
  return `t=${timestamp},v1=${v1}`
}

export class WebhookDispatcher {
  chaos: Chaos = { ...NO_CHAOS }
  readonly deliveries: DeliveryLogEntry[] = []
  private queue: Delivery[] = []
  private inflight = 0
  private timer: NodeJS.Timeout | undefined
  private waiters: (() => void)[] = []
  private stopped = false

  constructor(
    private store: Store,
    private opts: WebhookOptions,
  ) {}

  enqueue(event: Stripe.Event) {
    for (const ep of this.store.all<Stripe.WebhookEndpoint & { secret: string }>("webhook_endpoint")) {
      if (ep.status !== "enabled") continue
      if (!ep.enabled_events.includes("*") && !ep.enabled_events.includes(event.type)) continue
      const copies = Math.random() < this.chaos.duplicate ? 2 : 1
      for (let i = 0; i < copies; i++) this.queue.push({ endpointId: ep.id, event, attempt: 1, dueAt: Date.now() + this.jitter() })
    }
    this.pump()
  }

  /** Resolves once every queued delivery has been answered (or given up on). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inflight === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  pending() {
    return { queued: this.queue.length, inflight: this.inflight }
  }

  stop() {
    this.stopped = true
    clearTimeout(this.timer)
    this.queue = []
    this.settle()
  }

  private jitter() {
    const [min, max] = this.chaos.delayMs
    return max > 0 ? min + Math.random() * (max - min) : 0
  }

  private pump() {
    if (this.stopped) return
    clearTimeout(this.timer)
    this.timer = undefined
    const now = Date.now()
    while (this.inflight < this.opts.concurrency) {
      const due = this.queue.map((d, i) => [d, i] as const).filter(([d]) => d.dueAt <= now)
      if (due.length === 0) break
      const pick = this.chaos.reorder ? due[Math.floor(Math.random() * due.length)] : due[0]
      if (!pick) break
      this.queue.splice(pick[1], 1)
      this.inflight++
      void this.deliver(pick[0]).finally(() => {
        this.inflight--
        this.pump()
      })
    }
    if (this.queue.length > 0 && this.inflight < this.opts.concurrency) {
      const next = Math.min(...this.queue.map((d) => d.dueAt))
      this.timer = setTimeout(() => this.pump(), Math.max(5, next - now))
    }
    this.settle()
  }

  private settle() {
    if (this.queue.length === 0 && this.inflight === 0) for (const w of this.waiters.splice(0)) w()
  }

  private async deliver(d: Delivery) {
    const ep = this.store.find<Stripe.WebhookEndpoint & { secret: string }>(d.endpointId)
    if (!ep || ep.status !== "enabled") return
    const payload = JSON.stringify(d.event, null, 2)
    const started = Date.now()
    let status: number | null = null
    let error: string | undefined
    try {
      const res = await fetch(ep.url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": sign(payload, ep.secret),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      })
      status = res.status
      await res.arrayBuffer().catch(() => undefined)
    } catch (err) {
      error = (err as Error).message
    }
    const ok = status !== null && status >= 200 && status < 300
    const delay = ok ? undefined : this.opts.retryDelaysMs[d.attempt - 1]
    this.deliveries.push({
      event: d.event.id,
      type: d.event.type,
      endpoint: ep.url,
      attempt: d.attempt,
      status,
      error,
      ms: Date.now() - started,
      at: new Date().toISOString(),
      retryInMs: delay,
    })
    if (this.deliveries.length > 2000) this.deliveries.splice(0, 1000)
    if (ok) return
    this.opts.log(
      `webhook ${d.event.type} ${d.event.id} → ${ep.url}: ${status ?? error}${delay === undefined ? ", giving up" : `, retry in ${delay} ms`}`,
    )
    if (delay !== undefined && !this.stopped) this.queue.push({ ...d, attempt: d.attempt + 1, dueAt: Date.now() + delay + this.jitter() })
  }
}
