// The drain shares its process with page rendering (next start, or one warm function). It must not
// starve pages during a burst: between customers it gives the event loop back (setImmediate, so
// requests that arrived are read first), and while the process is busy (event-loop utilisation since
// the last look above BUSY_UTILISATION) customers start one at a time, at most one per pause, across
// every drain in the process. Work already started keeps its concurrency, so a slow Stripe still
// overlaps reads; only the CPU the drain spends per customer is spread out.
import "server-only"
import { performance, type EventLoopUtilization } from "node:perf_hooks"
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises"
import { env } from "@/lib/env"

export const BUSY_UTILISATION = 0.5
const SAMPLE_MS = 50

let last: EventLoopUtilization = performance.eventLoopUtilization()
let lastAt = performance.now()
let utilisation = 0
let gate: Promise<void> = Promise.resolve()

/** Event-loop utilisation over the last ≥ 50 ms window (0–1). */
export function loopUtilisation(): number {
  const now = performance.now()
  if (now - lastAt >= SAMPLE_MS) {
    const current = performance.eventLoopUtilization()
    utilisation = performance.eventLoopUtilization(current, last).utilization
    last = current
    lastAt = now
  }
  return utilisation
}

/** Awaited by a drain worker before each customer. */
export async function paceDrain(pauseMs: number = env.billing.drainBusyPauseMs): Promise<void> {
  if (pauseMs <= 0) return
  await nextTurn()
  if (loopUtilisation() < BUSY_UTILISATION) return
  const turn = gate.then(() => sleep(pauseMs))
  gate = turn
  await turn
}

/** Runs `fn` over `items`, at most `limit` at a time (the drain's customers, an outbox's batches). */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i] as T)
    }),
  )
}
