// The drain shares its process with page rendering (next start, or one warm function). It must not
// starve pages during a burst: between customers it gives the event loop back (setImmediate, so
// requests that arrived are read first), and while the process is busy (pages in flight, or
// event-loop utilisation since the last look above BUSY_UTILISATION) customers start one at a time, at most one per pause, across
// every drain in the process. Work already started keeps its concurrency, so a slow Stripe still
// overlaps reads; only the CPU the drain spends per customer is spread out.
//
// Webhook deliveries give way to pages too (`pagesFirst`): while people's requests are in flight
// (pages-in-flight.ts), at most BILLING_INGEST_WHILE_PAGES deliveries are verified and stored at once,
// the others wait their turn, at most INGEST_MAX_WAIT_MS, so Stripe is still answered in time. With
// no page in flight nothing waits. bench:webhooks showed why: during a burst's ingest the 16
// concurrent deliveries took more than half of the process, and pages were 4–5× slower there than idle.
import "server-only"
import { performance, type EventLoopUtilization } from "node:perf_hooks"
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises"
import { env } from "@/lib/env"
import { pagesInFlight } from "./pages-in-flight"

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
  if (pagesInFlight() === 0 && loopUtilisation() < BUSY_UTILISATION) return
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

/** The longest a delivery waits for pages before it is handled anyway (Stripe waits far longer for the 2xx). */
export const INGEST_MAX_WAIT_MS = 2000

type Gate = { active: number; waiting: (() => void)[] }
const ingest: Gate = { active: 0, waiting: [] }

/**
 * Runs `fn` now when no page is in flight (or `slots` is 0: off); otherwise once fewer than `slots`
 * callers are inside, or after `maxWaitMs`, whichever comes first.
 */
export async function pagesFirst<T>(
  fn: () => Promise<T>,
  { slots = env.billing.ingestWhilePages, maxWaitMs = INGEST_MAX_WAIT_MS, pages = pagesInFlight }: PagesFirstOptions = {},
): Promise<T> {
  if (slots > 0 && pages() > 0 && ingest.active >= slots) {
    await new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer)
        const i = ingest.waiting.indexOf(go)
        if (i >= 0) ingest.waiting.splice(i, 1)
        resolve()
      }
      const timer = setTimeout(go, maxWaitMs)
      ingest.waiting.push(go)
    })
  }
  ingest.active++
  try {
    return await fn()
  } finally {
    ingest.active--
    // The next in line goes when a slot is free; every one goes when the pages are done.
    if (pages() === 0) for (const go of [...ingest.waiting]) go()
    else if (ingest.active < slots) ingest.waiting[0]?.()
  }
}
export type PagesFirstOptions = { slots?: number; maxWaitMs?: number; pages?: () => number }
