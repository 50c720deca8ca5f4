// Where a benchmark phase's time went, from three sources sampled side by side: the app's own probe
// file (lib/db/probe.ts: event loop, CPU, pool, drain), the machine (/proc/stat: all cores busy, and the
// load average) and Postgres (pg_stat_activity: the app's backends by state and wait type).
import { readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { monitorEventLoopDelay } from "node:perf_hooks"
import type pg from "pg"
import { monoUs } from "./load"

type Waits = { n: number; totalMs: number; maxMs: number }
type AppSample = {
  t: number
  elu: number
  cpu: number
  lagMaxMs: number
  lagP99Ms: number
  pools: Record<string, { total: number; idle: number; waiting: number }>
  waits: { drain: Waits; other: Waits }
  drain: { inFlight: number; done: number }
}
/** `benchLag*`: this process's own event-loop delay: it runs the load generator, the emulators and the Stripe proxy. */
type MachineSample = { t: number; busy: number; load1: number; benchLagMaxMs: number; benchLagP99Ms: number; benchCpu: number }
type PgSample = { t: number; active: number; idleInTx: number; lockWaits: number; otherWaits: number }

export type Window = { name: string; from: number; to: number }

/** Samples the machine and Postgres every 200 ms until stopped. */
export function startSamplers(db: pg.Pool) {
  const machine: MachineSample[] = []
  const pgs: PgSample[] = []
  let prev = cpuTimes()
  let stopped = false
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  let cpu = process.cpuUsage()
  let at = performance.now()
  const loop = async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, 200))
      const now = cpuTimes()
      const total = now.total - prev.total
      const nextCpu = process.cpuUsage()
      machine.push({
        t: monoUs(),
        busy: total > 0 ? (now.busy - prev.busy) / total : 0,
        load1: loadavg()[0] ?? 0,
        benchLagMaxMs: lag.max / 1e6,
        benchLagP99Ms: lag.percentile(99) / 1e6,
        benchCpu: (nextCpu.user - cpu.user + nextCpu.system - cpu.system) / ((performance.now() - at) * 1000),
      })
      lag.reset()
      cpu = nextCpu
      at = performance.now()
      prev = now
      try {
        // Every backend but this sampler's own pool (application_name 'bench').
        const { rows } = await db.query<{ state: string | null; wait: string | null; n: number }>(
          `select state, wait_event_type wait, count(*)::int n from pg_stat_activity
           where backend_type = 'client backend' and application_name <> 'bench' and pid <> pg_backend_pid() group by 1, 2`,
        )
        const s: PgSample = { t: monoUs(), active: 0, idleInTx: 0, lockWaits: 0, otherWaits: 0 }
        for (const r of rows) {
          if (r.state === "active") s.active += r.n
          if (r.state?.startsWith("idle in transaction")) s.idleInTx += r.n
          if (r.state === "active" && r.wait === "Lock") s.lockWaits += r.n
          else if (r.state === "active" && r.wait && r.wait !== "Client") s.otherWaits += r.n
        }
        pgs.push(s)
      } catch {
        // A sample missed is not a result.
      }
    }
  }
  const running = loop()
  return {
    machine,
    pgs,
    async stop() {
      stopped = true
      await running
      lag.disable()
    },
  }
}

function cpuTimes() {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? ""
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  const total = f.reduce((a, b) => a + b, 0)
  return { total, busy: total - idle }
}

export function readAppProbe(file: string): AppSample[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AppSample)
  } catch {
    return []
  }
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
const r2 = (x: number) => Math.round(x * 100) / 100

/** One window's figures: means over its samples, maxima where a peak matters. */
export function summarise(w: Window, app: AppSample[], machine: MachineSample[], pgs: PgSample[]) {
  const inW = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t >= w.from && x.t < w.to)
  const a = inW(app)
  const m = inW(machine)
  const p = inW(pgs)
  const waits = (k: "drain" | "other") => {
    const n = a.reduce((s, x) => s + x.waits[k].n, 0)
    const total = a.reduce((s, x) => s + x.waits[k].totalMs, 0)
    return { n, mean_ms: r2(n ? total / n : 0), max_ms: r2(Math.max(0, ...a.map((x) => x.waits[k].maxMs))) }
  }
  const pool = (name: string) => {
    const xs = a.map((x) => x.pools[name]).filter((x) => x !== undefined)
    if (!xs.length) return undefined
    return {
      in_use_mean: r2(mean(xs.map((x) => x.total - x.idle))),
      waiting_mean: r2(mean(xs.map((x) => x.waiting))),
      waiting_max: Math.max(0, ...xs.map((x) => x.waiting)),
    }
  }
  return {
    window: w.name,
    seconds: r2((w.to - w.from) / 1e6),
    app_elu: r2(mean(a.map((x) => x.elu))),
    app_cpu: r2(mean(a.map((x) => x.cpu))),
    lag_p99_ms_mean: r2(mean(a.map((x) => x.lagP99Ms))),
    lag_max_ms: r2(Math.max(0, ...a.map((x) => x.lagMaxMs))),
    pool_main: pool("main"),
    pool_drain: pool("drain"),
    wait_for_connection_drain: waits("drain"),
    wait_for_connection_other: waits("other"),
    drain_in_flight_mean: r2(mean(a.map((x) => x.drain.inFlight))),
    drain_customers: a.reduce((s, x) => s + x.drain.done, 0),
    machine_busy: r2(mean(m.map((x) => x.busy))),
    bench_cpu: r2(mean(m.map((x) => x.benchCpu))),
    bench_lag_p99_ms_mean: r2(mean(m.map((x) => x.benchLagP99Ms))),
    bench_lag_max_ms: r2(Math.max(0, ...m.map((x) => x.benchLagMaxMs))),
    load1: r2(mean(m.map((x) => x.load1))),
    pg_active_mean: r2(mean(p.map((x) => x.active))),
    pg_idle_in_tx_mean: r2(mean(p.map((x) => x.idleInTx))),
    pg_lock_waits_max: Math.max(0, ...p.map((x) => x.lockWaits)),
    pg_other_waits_mean: r2(mean(p.map((x) => x.otherWaits))),
  }
}

/** CPU time (user + system, ms) a process has used so far: /proc/<pid>/stat fields 14 and 15, in clock ticks (100 Hz). */
export function processCpuMs(pid: number | undefined): number {
  if (!pid) return NaN
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}
