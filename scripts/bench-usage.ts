// npm run bench:usage -- [--latency-ms 300] [--rate-limit 25] [--events 1500] [--rounds 5] [--burst 2400]
//                         [--concurrency 32] [--skip-build] [--cpu-prof DIR] [--throughput-only]
// Every target of issue 19 in ONE run, through the production build (next build once, next start) on a
// throwaway PostgreSQL 15 cluster, Stripe's latency and rate limit set on the emulator, the app's Stripe
// calls counted by a proxy in front of it (scripts/lib/stripe-proxy.ts, no latency of its own):
//   throughput  rounds of: the route refused for a bad session (baseline, 401), then the same route signed
//               in (a Pro user), one unit per request and a fresh idempotency key each; medians and ratio,
//               and the CPU each request cost the app's process (/proc utime + stime) and this process
//               (the client and the emulators), which the machine's load does not change much
//   sigkill     a burst by another Pro user; a third of the way in, SIGKILL of the app's process group and
//               a new `next start`; clients retry what got no answer with the same idempotency key
//   pg-restart  the same with Postgres stopped (pg_ctl -m fast) and started again mid-burst
//   flush       the cron until the outbox is empty; Stripe calls per 1,000 events from the proxy's count
//   check       per user: every 200 answer is a recorded row (else lost), the counter equals the recorded
//               rows (else lost / counted twice), and Stripe's listEventSummaries for the period equals
//               the ledger (ledger_equals_stripe)
//   limit       64 concurrent consumers against a hard limit of 1,000 (recordUsage in this process, the
//               same code and Postgres; the catalog's Free allowance is 20, so it is raised here)
// The last line is `RESULT {json}`; nothing in it is typed in, all of it is counted from what happened.
import type { ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { loadavg } from "node:os"
import { parseArgs } from "node:util"
import { createServerClient } from "@supabase/ssr"
import pg from "pg"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { median } from "./lib/bench/load"
import { buildUnlessSkipped, startNext } from "./lib/bench/next-build"
import { processCpuMs } from "./lib/bench/probe"
import { freePort, waitForPort } from "./lib/local-db"
import { startStack } from "./lib/stack"
import { parseLatency, startStripeProxy } from "./lib/stripe-proxy"

const { values: args } = parseArgs({
  options: {
    "latency-ms": { type: "string", default: "300" },
    "rate-limit": { type: "string", default: "25" },
    events: { type: "string", default: "1500" },
    rounds: { type: "string", default: "5" },
    burst: { type: "string", default: "2400" },
    concurrency: { type: "string", default: "32" },
    "skip-build": { type: "boolean", default: false },
    /** Writes a V8 CPU profile of the app during the throughput rounds into this directory. */
    "cpu-prof": { type: "string" },
    /** Only the throughput rounds (a quick look while working on the request path; not the targets). */
    "throughput-only": { type: "boolean", default: false },
  },
})
const EVENTS = Number(args.events)
const ROUNDS = Number(args.rounds)
const BURST = Number(args.burst)
const CONCURRENCY = Number(args.concurrency)
const LIMIT = 1000
const CRON_SECRET = randomUUID()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const round1 = (x: number) => Math.round(x * 100) / 100

type Burst = {
  rate: number
  seconds: number
  acked: string[]
  refused: number
  unanswered: number
  retries: number
  statuses: Record<number, number>
}

/**
 * POSTs `n` usage events (keys `${tag}-0…n-1`) at `concurrency`. With `retry`, a request that got no
 * answer (connection refused or reset) or a 5xx is sent again with the same key until it gets 200 or
 * 402, for up to `retryForMs`; `progress(answered)` is called after each final answer.
 */
async function burst(
  url: string,
  cookie: string,
  n: number,
  tag: string,
  opts: { retry?: boolean; retryForMs?: number; progress?: (answered: number) => void; method?: string } = {},
): Promise<Burst> {
  const out: Burst = { rate: 0, seconds: 0, acked: [], refused: 0, unanswered: 0, retries: 0, statuses: {} }
  let next = 0
  let answered = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < n; i = next++) {
        const key = `${tag}-${i}`
        const giveUp = Date.now() + (opts.retryForMs ?? 120_000)
        for (let attempt = 0; ; attempt++) {
          let status = 0
          try {
            const res = await fetch(
              url,
              opts.method
                ? { method: opts.method, headers: cookie ? { cookie } : {} }
                : {
                    method: "POST",
                    headers: { "content-type": "application/json", cookie },
                    body: JSON.stringify({ value: 1, idempotency_key: key }),
                  },
            )
            await res.arrayBuffer()
            status = res.status
          } catch {
            status = 0
          }
          out.statuses[status] = (out.statuses[status] ?? 0) + 1
          const final = status > 0 && status < 500
          if (final || !opts.retry || Date.now() > giveUp) {
            if (status === 200) out.acked.push(key)
            else if (status === 402) out.refused++
            else if (!final) out.unanswered++
            opts.progress?.(++answered)
            break
          }
          out.retries++
          await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)))
        }
      }
    }),
  )
  out.seconds = (performance.now() - started) / 1000
  out.rate = n / out.seconds
  return out
}

async function signedIn(authUrl: string) {
  let jar: { name: string; value: string }[] = []
  const supabase = createServerClient(authUrl, LOCAL_SUPABASE_ANON_KEY, {
    cookies: { getAll: () => jar, setAll: (c) => void (jar = c.map(({ name, value }) => ({ name, value }))) },
    realtime: { transport: (await import("ws")).default as never },
  })
  const { data, error } = await supabase.auth.signUp({ email: `bench-usage-${randomUUID()}@example.com`, password: "bench-password-1" })
  if (error || !data.user) throw new Error(`sign-up failed: ${error?.message}`)
  return { userId: data.user.id, cookie: jar.map((c) => `${c.name}=${c.value}`).join("; ") }
}

/** The session cookie with its access token's signature broken (same size, same parse, refused at verification). */
function forgedSession(cookie: string): string {
  const breakJwt = (text: string) =>
    text.replace(/(eyJ[\w-]+\.[\w-]+\.)([\w-]{16})/g, (_m, head: string, sig: string) => head + (sig[0] === "A" ? "B" : "A").repeat(16))
  const out = cookie.split("; ").map((c) => {
    const i = c.indexOf("=")
    const raw = decodeURIComponent(c.slice(i + 1))
    if (!raw.startsWith("base64-")) return `${c.slice(0, i + 1)}${encodeURIComponent(breakJwt(raw))}`
    const json = breakJwt(Buffer.from(raw.slice(7), "base64url").toString("utf8"))
    return `${c.slice(0, i + 1)}base64-${Buffer.from(json).toString("base64url")}`
  })
  if (out.join("; ") === cookie) throw new Error("the forged session equals the real one")
  return out.join("; ")
}

async function main() {
  buildUnlessSkipped(Boolean(args["skip-build"]))
  const port = await freePort()
  const appUrl = `http://localhost:${port}`
  const stack = await startStack({
    appUrl,
    database: "postgres",
    stripeEmulator: { latencyMs: parseLatency(args["latency-ms"]), rateLimit: Number(args["rate-limit"]) || undefined },
    log: () => {},
  })
  if (stack.database?.kind !== "postgres" || !stack.database.halt || !stack.database.resume)
    throw new Error("bench:usage needs the PostgreSQL server binaries (initdb, postgres, pg_ctl) for the restart phase")
  const database = { halt: stack.database.halt, resume: stack.database.resume }
  // Counts the app's Stripe calls by path; latency and the rate limit are the emulator's.
  const proxy = await startStripeProxy(stack.stripe.url)
  const stripe = stack.stripe.client()
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
  db.on("error", () => {}) // the restart phase cuts these connections too

  let app: ChildProcess | undefined
  const startApp = async (nodeArgs: string[] = []) => {
    // Its own process group, so SIGKILL reaches whatever `next start` runs.
    const child = startNext(port, {
      appEnv: stack.appEnv,
      nodeArgs,
      env: { STRIPE_API_BASE: proxy.url, CRON_SECRET, DATABASE_POOL_MAX: "16" },
      detached: true,
    })
    app = child
    await waitForPort(port, 60_000, () => (child.exitCode !== null ? `next start exited with ${child.exitCode}` : undefined))
    return child
  }
  const stopApp = async (signal: NodeJS.Signals) => {
    const child = app
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once("exit", r))
    try {
      process.kill(-child.pid, signal)
    } catch {
      child.kill(signal)
    }
    await exited
  }

  const proUser = async () => {
    const { userId, cookie } = await signedIn(stack.authUrl)
    const customer = await stripe.customers.create({ email: `${userId}@example.com`, metadata: { user_id: userId } })
    const periodStart = new Date(Date.now() - 86_400_000)
    await db.query(
      `insert into user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, status, quantity, current_period_start, current_period_end, stripe_created_at)
       values ($1, $2, $3, 'pro', 'active', 1, $4, now() + interval '29 days', now())`,
      [`sub_bench_${randomUUID().slice(0, 8)}`, userId, customer.id, periodStart],
    )
    return { userId, cookie, customer: customer.id, periodStart }
  }
  type ProUser = Awaited<ReturnType<typeof proUser>>

  /** What the client was told against what the ledger holds and what Stripe aggregated for the period. */
  const check = async (u: ProUser, acked: string[]) => {
    const records = await db.query<{ key: string; value: number }>(
      "select idempotency_key key, value from usage_records where user_id = $1 and status = 'recorded'",
      [u.userId],
    )
    const keys = new Set(records.rows.map((r) => r.key))
    const recordedUnits = records.rows.reduce((s, r) => s + Number(r.value), 0)
    const counter = await db.query<{ used: string }>("select coalesce(sum(used), 0) used from usage_counters where subject = $1", [
      `user:${u.userId}`,
    ])
    const ledger = Number(counter.rows[0]?.used ?? 0)
    const outbox = await db.query<{ status: string; units: string }>(
      "select status, sum(value) units from usage_outbox where stripe_customer_id = $1 group by status",
      [u.customer],
    )
    const [meter] = (await stripe.billing.meters.list({ status: "active" })).data.filter((m) => m.event_name === "subkit_reports")
    if (!meter) throw new Error("no meter: stripe:setup did not create it")
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: u.customer,
      start_time: Math.floor(u.periodStart.getTime() / 60_000) * 60,
      end_time: Math.ceil((Date.now() / 1000 + 120) / 60) * 60,
    })
    const stripeUnits = summaries.data.reduce((s, x) => s + x.aggregated_value, 0)
    const answeredNotRecorded = acked.filter((k) => !keys.has(k)).length
    return {
      answered_200: acked.length,
      recorded: keys.size,
      ledger_units: ledger,
      stripe_units: stripeUnits,
      outbox: Object.fromEntries(outbox.rows.map((r) => [r.status, Number(r.units)])),
      // Lost: answered 200 but not recorded, recorded but not counted, counted but not on Stripe.
      lost: answeredNotRecorded + Math.max(0, recordedUnits - ledger) + Math.max(0, ledger - stripeUnits),
      // Counted twice: counted more than recorded, or more on Stripe than counted.
      counted_twice: Math.max(0, ledger - recordedUnits) + Math.max(0, stripeUnits - ledger),
      ledger_equals_stripe: ledger === stripeUnits,
    }
  }

  try {
    const profiling = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : []
    await startApp(profiling)
    const url = `${appUrl}/api/usage/reports`
    const callsAtStart = proxy.stats()

    // 1. Throughput: alternate short rounds so the machine's noise hits both sides alike.
    const a = await proUser()
    const badCookie = forgedSession(a.cookie)
    await burst(url, badCookie, 300, "warm-bad")
    const warm = await burst(url, a.cookie, 300, "warm")
    const base: number[] = []
    const rec: number[] = []
    // CPU ms per request: the app's process, and this one (the client's fetches and the emulators).
    const cpu = { appBase: [] as number[], appRec: [] as number[], benchBase: [] as number[], benchRec: [] as number[] }
    const measured = async (cookie: string, tag: string, appMs: number[], benchMs: number[], method?: string) => {
      const a0 = processCpuMs(app?.pid)
      const b0 = process.cpuUsage()
      const out = await burst(url, cookie, EVENTS, tag, { method })
      const b1 = process.cpuUsage(b0)
      appMs.push((processCpuMs(app?.pid) - a0) / EVENTS)
      benchMs.push((b1.user + b1.system) / 1000 / EVENTS)
      return out
    }
    const loadAtStart = loadavg()[0] ?? NaN
    const acked = [...warm.acked]
    let errors = 0
    for (let r = 1; r <= ROUNDS; r++) {
      const b = await measured(badCookie, `bad${r}`, cpu.appBase, cpu.benchBase)
      const wrong = Object.entries(b.statuses).filter(([s]) => s !== "401")
      if (wrong.length) throw new Error(`baseline: answers that were not 401: ${JSON.stringify(b.statuses)}`)
      base.push(b.rate)
      const u = await measured(a.cookie, `r${r}`, cpu.appRec, cpu.benchRec)
      rec.push(u.rate)
      acked.push(...u.acked)
      errors += EVENTS - u.acked.length
      console.log(
        `  round ${r}: baseline ${b.rate.toFixed(0)} req/s, recorded ${u.rate.toFixed(0)} events/s (${(u.rate / b.rate).toFixed(2)}); ` +
          `app CPU ${cpu.appBase.at(-1)?.toFixed(2)} / ${cpu.appRec.at(-1)?.toFixed(2)} ms a request, load ${loadavg()[0]?.toFixed(1)}`,
      )
    }
    // The floor: the same path answered by Next alone (OPTIONS, which Next implements for every route
    // handler: 204 with Allow), no session, no body, no database. No recorded rate can pass it.
    const floorCpu: number[] = []
    const floor = await measured("", "floor", floorCpu, [], "OPTIONS")
    if (Object.keys(floor.statuses).some((s) => s !== "204")) throw new Error(`floor: ${JSON.stringify(floor.statuses)}`)
    console.log(`  floor (OPTIONS, Next alone): ${floor.rate.toFixed(0)} req/s, app CPU ${floorCpu[0]?.toFixed(2)} ms a request`)
    const throughputFigures = {
      events_per_s: Math.round(median(rec)),
      baseline_per_s: Math.round(median(base)),
      ratio: Number((median(rec) / median(base)).toFixed(3)),
      ratio_per_round: rec.map((r, i) => Number((r / (base[i] ?? NaN)).toFixed(2))),
      // Medians of the rounds; the ceiling is what 2 cores would serve if the app's process had them alone.
      floor_per_s: Math.round(floor.rate),
      app_cpu_ms_per_floor_request: round1(floorCpu[0] ?? NaN),
      app_cpu_ms_per_baseline_request: round1(median(cpu.appBase)),
      app_cpu_ms_per_event: round1(median(cpu.appRec)),
      bench_cpu_ms_per_request: round1(median([...cpu.benchBase, ...cpu.benchRec])),
      app_ceiling_2_cores_per_s: Math.round(2000 / median(cpu.appRec)),
      load_avg: [round1(loadAtStart), round1(loadavg()[0] ?? NaN)],
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      events_per_round: EVENTS,
      errors,
    }
    if (args["throughput-only"]) {
      console.log(`RESULT ${JSON.stringify({ throughput_only: true, ...throughputFigures })}`)
      return
    }
    if (profiling.length) {
      await stopApp("SIGTERM") // the profile is written at exit
      await startApp()
    }

    // 2. SIGKILL of the app a third of the way into a burst, and a new `next start`.
    const k = await proUser()
    let killed: Promise<number> | undefined
    const sigkill = await burst(url, k.cookie, BURST, "kill", {
      retry: true,
      progress: (n) => {
        if (n !== Math.floor(BURST / 3)) return
        killed = (async () => {
          const t = performance.now()
          await stopApp("SIGKILL")
          await startApp()
          return (performance.now() - t) / 1000
        })()
      },
    })
    const restartS = killed ? await killed : NaN
    console.log(`  sigkill: ${sigkill.acked.length} answered 200, ${sigkill.retries} retries, app back in ${restartS.toFixed(1)} s`)

    // 3. Postgres stopped (fast shutdown: sessions cut) and started again a third of the way in.
    const p = await proUser()
    let restarted: Promise<number> | undefined
    const pgRestart = await burst(url, p.cookie, BURST, "pg", {
      retry: true,
      progress: (n) => {
        if (n !== Math.floor(BURST / 3)) return
        restarted = (async () => {
          const t = performance.now()
          await database.halt()
          await sleep(2000)
          await database.resume()
          return (performance.now() - t) / 1000
        })()
      },
    })
    const pgDownS = restarted ? await restarted : NaN
    console.log(
      `  pg restart: ${pgRestart.acked.length} answered 200, ${pgRestart.retries} retries, Postgres back in ${pgDownS.toFixed(1)} s`,
    )

    // 4. Flush: the cron until nothing is pending (a batch a killed process held waits out its lease).
    const flushStarted = performance.now()
    for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
      await fetch(`${appUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${CRON_SECRET}` } }).catch(() => undefined)
      const { rows } = await db.query<{ n: number }>("select count(*)::int n from usage_outbox where status = 'pending'")
      if (!rows[0]?.n) break
      await sleep(1000)
    }
    const flushS = (performance.now() - flushStarted) / 1000
    const calls = proxy.stats()
    const meterCalls = (calls.paths["/v1/billing/meter_events"] ?? 0) - (callsAtStart.paths["/v1/billing/meter_events"] ?? 0)
    const events = acked.length + sigkill.acked.length + pgRestart.acked.length

    const checks = {
      throughput: await check(a, acked),
      sigkill: {
        ...(await check(k, sigkill.acked)),
        unanswered: sigkill.unanswered,
        retries: sigkill.retries,
        restart_s: Number(restartS.toFixed(1)),
      },
      pg_restart: {
        ...(await check(p, pgRestart.acked)),
        unanswered: pgRestart.unanswered,
        retries: pgRestart.retries,
        down_s: Number(pgDownS.toFixed(1)),
      },
    }
    const all = Object.values(checks)

    // 5. The hard limit, in this process against the same Postgres: 64 consumers, an allowance of 1,000.
    Object.assign(process.env, stack.appEnv, { NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY, LOG_LEVEL: "error" })
    const { USAGE_METERS } = await import("../lib/billing/catalog")
    const { recordUsage, getUsage } = await import("../lib/billing/usage/ledger")
    const { pool } = await import("../lib/db/client")
    ;(USAGE_METERS.reports.free as { included: number }).included = LIMIT
    const freeUser = randomUUID()
    await db.query("insert into auth.users (id, email) values ($1, $2)", [freeUser, `bench-free-${freeUser}@example.com`])
    let n = 0
    let granted = 0
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (n < LIMIT * 1.3)
          if ((await recordUsage({ userId: freeUser, meter: "reports", value: 1, idempotencyKey: `l${n++}` })).ok) granted++
      }),
    )
    const atLimit = (await getUsage(freeUser, "reports")).used
    await pool.end()

    const result = {
      ...throughputFigures,
      limit: LIMIT,
      recorded_at_limit: atLimit,
      granted_at_limit: granted,
      over_limit: Math.max(0, atLimit - LIMIT),
      usage_events: events,
      stripe_meter_event_calls: meterCalls,
      stripe_calls_per_1000: Number(((meterCalls / Math.max(1, events)) * 1000).toFixed(3)),
      stripe_calls_all: calls.calls - callsAtStart.calls,
      stripe_rate_limited: calls.limited - callsAtStart.limited,
      stripe_latency_ms: args["latency-ms"],
      stripe_rate_limit: Number(args["rate-limit"]),
      flush_s: Number(flushS.toFixed(1)),
      lost: all.reduce((s, c) => s + c.lost, 0),
      counted_twice: all.reduce((s, c) => s + c.counted_twice, 0),
      ledger_equals_stripe: all.every((c) => c.ledger_equals_stripe),
      ...checks,
    }
    console.log(`RESULT ${JSON.stringify(result)}`)
  } finally {
    await stopApp("SIGTERM")
    await db.end()
    await proxy.stop()
    await stack.stop()
  }
}

await main()
