// A diagnostic sampler for benchmarks (bench:webhooks): with SUBKIT_PROBE_FILE set, every 100 ms the
// process appends one JSON line saying where its time went in that window: event-loop utilisation and
// delay (blocking), its own CPU time (its share of the machine), the pool (connections in use, callers
// waiting, how long a connection took to get, for the drain and for everything else) and the drain's
// customers in flight. Off (no file), it costs one AsyncLocalStorage run per drain and nothing else.
import { AsyncLocalStorage } from "node:async_hooks"
import { appendFileSync } from "node:fs"
import { monitorEventLoopDelay, performance } from "node:perf_hooks"
import type { Pool } from "pg"

// On globalThis: instrumentation.ts and the routes are separate bundles, each with its own copy of this module.
type State = { drain: AsyncLocalStorage<true>; inFlight: number; done: number }
const g = globalThis as unknown as { subkitProbe?: State; subkitPool?: Pool; subkitDrainPool?: Pool }
const state: State = (g.subkitProbe ??= { drain: new AsyncLocalStorage<true>(), inFlight: 0, done: 0 })
const drainContext = state.drain

/** Runs the drain with its pool waits counted as the drain's. */
export const asDrain = <T>(fn: () => Promise<T>): Promise<T> => drainContext.run(true, fn)
export const inDrain = () => drainContext.getStore() === true

type Waits = { n: number; totalMs: number; maxMs: number }
const blank = (): Waits => ({ n: 0, totalMs: 0, maxMs: 0 })

/** Counts a drain customer from start to end (sampled, not summed). */
export async function probeDrainCustomer<T>(fn: () => Promise<T>): Promise<T> {
  state.inFlight++
  try {
    return await fn()
  } finally {
    state.inFlight--
    state.done++
  }
}

/** Starts sampling into `file` (one JSON line per 100 ms), watching the app's pools once they exist. */
export function startProbe(file: string) {
  const waits = { drain: blank(), other: blank() }
  const pools: Record<string, Pool> = {}
  const watch = (name: string, pool: Pool | undefined) => {
    if (!pool || pools[name]) return
    pools[name] = pool
    const connect = pool.connect.bind(pool) as (cb?: unknown) => unknown
    // pg-pool's query() goes through connect() too, so this sees every checkout.
    ;(pool as unknown as { connect: (cb?: unknown) => unknown }).connect = (cb?: unknown) => {
      const started = performance.now()
      const kind = inDrain() ? "drain" : "other"
      const note = () => {
        const ms = performance.now() - started
        const w = waits[kind]
        w.n++
        w.totalMs += ms
        w.maxMs = Math.max(w.maxMs, ms)
      }
      if (typeof cb === "function")
        return connect((err: unknown, client: unknown, release: unknown) => {
          note()
          ;(cb as (...a: unknown[]) => void)(err, client, release)
        })
      return (connect() as Promise<unknown>).finally(note)
    }
  }
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  let elu = performance.eventLoopUtilization()
  let cpu = process.cpuUsage()
  let at = performance.now()
  const timer = setInterval(() => {
    watch("main", g.subkitPool)
    watch("drain", g.subkitDrainPool)
    const now = performance.now()
    const nextElu = performance.eventLoopUtilization()
    const nextCpu = process.cpuUsage()
    const wallUs = (now - at) * 1000
    const line = {
      // CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles and of process.hrtime in other processes.
      t: Number(process.hrtime.bigint() / 1000n),
      elu: round(performance.eventLoopUtilization(nextElu, elu).utilization),
      cpu: round((nextCpu.user - cpu.user + nextCpu.system - cpu.system) / wallUs),
      lagMaxMs: round(lag.max / 1e6),
      lagP99Ms: round(lag.percentile(99) / 1e6),
      pools: Object.fromEntries(
        Object.entries(pools).map(([name, p]) => [name, { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount }]),
      ),
      waits: { drain: { ...waits.drain }, other: { ...waits.other } },
      drain: { inFlight: state.inFlight, done: state.done },
    }
    appendFileSync(file, JSON.stringify(line) + "\n")
    lag.reset()
    elu = nextElu
    cpu = nextCpu
    at = now
    waits.drain = blank()
    waits.other = blank()
    state.done = 0
  }, 100)
  timer.unref()
}

const round = (x: number) => Math.round(x * 1000) / 1000
