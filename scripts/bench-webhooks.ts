// npm run bench:webhooks -- [--latency-ms 300|100-300] [--rate-limit 25] [--customers 200] [--events-per-customer 5] [--two]
// The production build (next build + next start) on a PostgreSQL server, with Stripe's latency and
// rate limit put in front of the emulator by scripts/lib/stripe-proxy.ts. In one run:
//   baseline   the same route given a wrong signature: routing, bounded body read, HMAC, 400
//   ingest     renewal-shaped bursts (per customer: invoice.created … customer.subscription.updated)
//   drain      until every acknowledged event is applied (after() + the cron), Stripe calls counted
//   pages      /pricing and the signed-in /subscription/manage at c=8, idle and during a burst, with
//              Stripe at 0 ms and at the requested latency (Stripe's latency must not reach pages)
// --two: two `next start` instances on the same database; every delivery is posted to both at once
// (ingest counts each event once, against one instance's verify-only rate), pages alternate between them.
// Each instance runs in a session of its own (its own CPU share under Linux's autogroup scheduler, as a
// separate host has); --shared-session runs them in the bench's. Every round reports the CPU per event
// of the app's processes and of the bench's; --duplicates also posts each round again (all already
// stored); --rounds-only stops after the rounds.
// Rounds alternate baseline and ingest; medians are reported. The last line is `RESULT {json}`.
import { randomUUID } from "node:crypto"
import { rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import path from "node:path"
import { parseArgs } from "node:util"
import { createServerClient } from "@supabase/ssr"
import pg from "pg"
import type Stripe from "stripe"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { fire, median, monoUs, p95Within, pageLoad, type PageResult } from "./lib/bench/load"
import { pageLoadOnWorker } from "./lib/bench/page-worker"
import { processCpuMs, readAppProbe, startSamplers, summarise, type Window } from "./lib/bench/probe"
import { renewalBurst } from "./lib/bench/renewal"
import { buildUnlessSkipped, startNext } from "./lib/bench/next-build"
import { freePort, waitForPort } from "./lib/local-db"
import { startStack } from "./lib/stack"
import { parseLatency, startStripeProxy } from "./lib/stripe-proxy"

const { values: args } = parseArgs({
  options: {
    "latency-ms": { type: "string", default: "0" },
    "rate-limit": { type: "string", default: "0" },
    customers: { type: "string", default: "200" },
    "events-per-customer": { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    rounds: { type: "string", default: "3" },
    "skip-build": { type: "boolean", default: false },
    two: { type: "boolean", default: false },
    /**
     * Where the page load generator runs: "worker" (its own thread, the default) or "main" (the thread
     * that also runs the Stripe emulator and proxy, as before 2026-12-03: its stopwatch then also
     * counts the emulator's work during a drain at 0 ms).
     */
    "page-timer": { type: "string", default: "worker" },
    /**
     * Runs the app instances in this process's session, as before 2026-12-03 evening. By default each
     * `next start` has a session of its own (setsid): Linux's autogroup scheduler gives every session
     * one fair share of a busy machine, so instances started in the bench's session shared one share
     * with each other and with the load generator and emulators (two instances got the CPU of one),
     * where Postgres's backends (each its own session) and every other engineer's session got one each.
     */
    "shared-session": { type: "boolean", default: false },
    /** Stops after the baseline/ingest rounds (and their drain): a quick look at ingest, not the targets. */
    "rounds-only": { type: "boolean", default: false },
    /**
     * After each ingest round, posts the same deliveries again (every one already stored: what Stripe's
     * retries and the second instance of --two see) and reports that rate and its CPU per event.
     */
    duplicates: { type: "boolean", default: false },
    /** Writes a V8 CPU profile of the (first) app process into this directory (node --cpu-prof). */
    "cpu-prof": { type: "string" },
  },
})
const LATENCY = parseLatency(args["latency-ms"])
const RATE_LIMIT = Number(args["rate-limit"]) || undefined
const CUSTOMERS = Number(args.customers)
const PER_CUSTOMER = Number(args["events-per-customer"])
const CONCURRENCY = Number(args.concurrency)
const ROUNDS = Number(args.rounds)
const PAGE_CONCURRENCY = 8
const CRON_SECRET = randomUUID()
const INSTANCES = args.two ? 2 : 1
/** The first app process's probe (lib/db/probe.ts): event loop, CPU, pool and drain every 100 ms. */
const PROBE_FILE = path.join(tmpdir(), `bench-webhooks-probe-${process.pid}.jsonl`)

async function main() {
  const loadStart = round(loadavg()[0] ?? 0)
  buildUnlessSkipped(Boolean(args["skip-build"]))
  const ports = [await freePort()]
  if (INSTANCES === 2) ports.push(await freePort())
  const appUrls = ports.map((p) => `http://localhost:${p}`)
  const appUrl = appUrls[0] as string
  const stack = await startStack({ appUrl, database: "postgres", log: () => {} })
  const proxy = await startStripeProxy(stack.stripe.url, { latencyMs: LATENCY, rateLimit: RATE_LIMIT })
  const stripe = stack.stripe.client() // setup talks to the emulator directly; only the app pays latency
  // The bench posts events itself; the emulator's own deliveries would only add noise.
  for (const ep of (await stripe.webhookEndpoints.list()).data) await stripe.webhookEndpoints.update(ep.id, { disabled: true })
  const apps = ports.map((port, i) =>
    startNext(port, {
      appEnv: stack.appEnv,
      nodeArgs: args["cpu-prof"] && i === 0 ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [],
      env: {
        STRIPE_API_BASE: proxy.url,
        CRON_SECRET,
        SUBKIT_OFFLINE: "1",
        DATABASE_POOL_MAX: "16",
        ...(i === 0 ? { SUBKIT_PROBE_FILE: PROBE_FILE } : {}),
      },
      // Each instance its own session, hence its own CPU share, as separate hosts have (see --shared-session).
      detached: !args["shared-session"],
    }),
  )
  // In sessions of their own, the instances would outlive a bench stopped by a signal: stop them with it.
  const stopApps = () => apps.forEach((a) => a.exitCode === null && a.kill("SIGTERM"))
  process.once("exit", stopApps)
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      stopApps()
      process.exit(130)
    })
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4, application_name: "bench" })
  const samplers = startSamplers(db)
  const windows: Window[] = []
  try {
    for (const port of ports) await waitForPort(port, 60_000)
    console.log(`setting up ${CUSTOMERS} subscribed customers and a signed-in user…`)
    const subs = await subscribeCustomers(db, stripe, CUSTOMERS)
    const cookie = await signedInCookie(db, stripe, stack.authUrl)
    // Counts an event applied a second time (processed_at written over an earlier one).
    await db.query(`create table if not exists bench_applied_twice (id text);
      create or replace function bench_twice() returns trigger language plpgsql as $$
      begin insert into bench_applied_twice values (old.stripe_event_id); return new; end $$;
      drop trigger if exists bench_twice on subscription_events;
      create trigger bench_twice before update on subscription_events for each row
        when (old.processed_at is not null and new.processed_at is distinct from old.processed_at) execute function bench_twice();`)

    // The verify-only baseline is one instance's; ingest feeds every instance every delivery.
    const verifyHook = `${appUrl}/api/webhooks/stripe`
    const hook = appUrls.map((u) => `${u}/api/webhooks/stripe`)
    const cron = `${appUrl}/api/cron/billing`
    const pages = { pricing: appUrls.map((u) => `${u}/pricing`), manage: appUrls.map((u) => `${u}/subscription/manage`) }
    const burst = (tag: string) => renewalBurst(tag, subs, PER_CUSTOMER, stack.webhookSecret)
    const forged = burst("forged").map((d) => ({ ...d, header: d.header.replace(/v1=[0-9a-f]+/, "v1=" + "0".repeat(64)) }))

    // Warm both paths and the pages (JIT, pools, caches).
    await fire(verifyHook, forged.slice(0, 200), CONCURRENCY, 400)
    await fire(hook, burst("warm").slice(0, 200), CONCURRENCY, 200)
    for (const url of Object.values(pages)) await pageLoad(url, { concurrency: 2, headers: { cookie }, until: () => true, min: 40 })
    await waitApplied(db, cron, "evt_warm_%", 120_000)

    console.log(`baseline vs ingest: ${ROUNDS} rounds of ${CUSTOMERS * PER_CUSTOMER} events at concurrency ${CONCURRENCY}`)
    const base: number[] = []
    const ingest: number[] = []
    const acknowledged: string[] = []
    // CPU ms per event of each round: every app process together (the ingest round's drain, which
    // after() runs meanwhile, included; the previous round's tail in the baseline), and this process
    // (the load generator's fetches and the emulators the drain calls). CPU moves less with the
    // machine's load than events per second do.
    const cpu = {
      appBase: [] as number[],
      appIngest: [] as number[],
      benchBase: [] as number[],
      benchIngest: [] as number[],
      appDup: [] as number[],
      benchDup: [] as number[],
      appTail: [] as number[],
      benchTail: [] as number[],
    }
    const dup: number[] = []
    /** The last measured run's CPU ms per event, per instance. */
    let split: number[] = []
    const measured = async <T>(run: () => Promise<T>, n: number, app: number[], bench: number[]) => {
      const a0 = apps.map((a) => processCpuMs(a.pid))
      const b0 = process.cpuUsage()
      const res = await run()
      const b1 = process.cpuUsage(b0)
      split = apps.map((a, i) => (processCpuMs(a.pid) - (a0[i] ?? 0)) / n)
      app.push(split.reduce((x, y) => x + y, 0))
      bench.push((b1.user + b1.system) / 1000 / n)
      return res
    }
    const perInstance = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" + ")
    const appsCpuMs = () => apps.reduce((sum, a) => sum + processCpuMs(a.pid), 0)
    const roundsFrom = monoUs()
    for (let r = 1; r <= ROUNDS; r++) {
      base.push((await measured(() => fire(verifyHook, forged, CONCURRENCY, 400), forged.length, cpu.appBase, cpu.benchBase)).rate)
      const deliveries = burst(`r${r}`)
      const res = await measured(() => fire(hook, deliveries, CONCURRENCY, 200), deliveries.length, cpu.appIngest, cpu.benchIngest)
      const ingestSplit = split
      ingest.push(res.rate)
      acknowledged.push(...res.acknowledged)
      if (args.duplicates) {
        // The round's drain first (so neither the duplicates nor the next baseline pay for it), then the same deliveries again.
        await measured(() => waitApplied(db, cron, `evt_r${r}_%`, 600_000), deliveries.length, cpu.appTail, cpu.benchTail)
        const again = await measured(() => fire(hook, deliveries, CONCURRENCY, 200), deliveries.length, cpu.appDup, cpu.benchDup)
        dup.push(again.rate)
        const dupSplit = split
        console.log(
          `  round ${r} drain after ingest: app CPU ${cpu.appTail.at(-1)?.toFixed(2)} ms per event; again (all duplicates): ` +
            `${again.rate.toFixed(0)} ev/s, CPU ms per event: app ${cpu.appDup.at(-1)?.toFixed(2)} (${perInstance(dupSplit)})`,
        )
      }
      console.log(
        `  round ${r}: baseline ${base.at(-1)?.toFixed(0)} ev/s, ingest ${res.rate.toFixed(0)} ev/s (p99 ${res.p99.toFixed(0)} ms); ` +
          `CPU ms per event: app ${cpu.appBase.at(-1)?.toFixed(2)} / ${cpu.appIngest.at(-1)?.toFixed(2)} (${perInstance(ingestSplit)}), ` +
          `bench ${cpu.benchBase.at(-1)?.toFixed(2)} / ${cpu.benchIngest.at(-1)?.toFixed(2)}; load ${loadavg()[0]?.toFixed(1)}`,
      )
    }
    const roundsTo = monoUs()
    console.log(`  rounds from_us ${roundsFrom} to_us ${roundsTo} (CLOCK_MONOTONIC, for cpu-profile-summary --from/--to)`)
    // What the rounds left to the drain (after() and the cron): its app CPU per round event.
    const tailCpu0 = appsCpuMs()
    await waitApplied(db, cron, "evt_r%", 600_000)
    const tailCpuPerEvent = (appsCpuMs() - tailCpu0) / (ROUNDS * CUSTOMERS * PER_CUSTOMER)
    const roundsResult = () => ({
      instances: INSTANCES,
      latency_ms: args["latency-ms"],
      baseline_eps: Math.round(median(base)),
      ingest_eps: Math.round(median(ingest)),
      ingest_ratio: round(median(ingest) / median(base)),
      ingest_ratio_per_round: ingest.map((x, i) => round(x / (base[i] ?? NaN))),
      // Medians of the rounds: the app processes' CPU (all instances) and this process's, per event.
      app_cpu_ms_per_baseline_event: round(median(cpu.appBase)),
      app_cpu_ms_per_event: round(median(cpu.appIngest)),
      bench_cpu_ms_per_baseline_event: round(median(cpu.benchBase)),
      bench_cpu_ms_per_event: round(median(cpu.benchIngest)),
      // The same ratio in CPU: what the rate ratio would be if the app alone were the bottleneck.
      ingest_cpu_ratio: round(median(cpu.appBase) / median(cpu.appIngest)),
      app_cpu_ms_per_event_after_rounds: round(tailCpuPerEvent),
      ...(args.duplicates
        ? {
            duplicate_eps: Math.round(median(dup)),
            duplicate_ratio: round(median(dup) / median(base)),
            app_cpu_ms_per_duplicate: round(median(cpu.appDup)),
            app_cpu_ms_per_event_drain_after_round: round(median(cpu.appTail)),
            bench_cpu_ms_per_duplicate: round(median(cpu.benchDup)),
          }
        : {}),
    })
    if (args["rounds-only"]) {
      const { rows } = await db.query<{ n: number }>(
        "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is not null",
        [acknowledged],
      )
      const twice = await db.query<{ n: number }>("select count(*)::int n from bench_applied_twice")
      const lost = acknowledged.length - (rows[0]?.n ?? 0)
      const extra = { lost, applied_twice: twice.rows[0]?.n ?? 0, load_average: [loadStart, round(loadavg()[0] ?? 0)] }
      const sessions = args["shared-session"] ? "shared" : "own"
      console.log(`RESULT ${JSON.stringify({ ...roundsResult(), rounds_only: true, app_sessions: sessions, ...extra })}`)
      return
    }

    let t0 = monoUs()
    const idle = await measurePages(pages, cookie)
    windows.push({ name: "idle", from: t0, to: monoUs() })
    // One request at a time: the pages' own service time, which c=8 on one process queues behind.
    const single = {
      pricing: await pageLoad(pages.pricing, { concurrency: 1, until: () => true, min: 100 }),
      manage: await pageLoad(pages.manage, { concurrency: 1, headers: { cookie }, until: () => true, min: 100 }),
    }
    proxy.configure({ latencyMs: 0, rateLimit: undefined })
    let ingested = 0
    const zero = await measurePages(pages, cookie, async () => {
      t0 = monoUs()
      await fire(hook, burst("zero"), CONCURRENCY, 200)
      ingested = monoUs()
      await waitApplied(db, cron, "evt_zero_%", 600_000)
    })
    windows.push(
      { name: "first burst (0 ms) ingest", from: t0, to: ingested },
      { name: "first burst (0 ms) drain", from: ingested, to: monoUs() },
    )
    proxy.configure({ latencyMs: LATENCY, rateLimit: RATE_LIMIT })

    const callsBefore = proxy.stats().calls
    let started = 0
    let drainSeconds = 0
    let burstResult: Awaited<ReturnType<typeof fire>> | undefined
    const during = await measurePages(pages, cookie, async () => {
      started = performance.now()
      t0 = monoUs()
      burstResult = await fire(hook, burst("burst"), CONCURRENCY, 200)
      ingested = monoUs()
      await waitApplied(db, cron, "evt_burst_%", 600_000)
      drainSeconds = (performance.now() - started) / 1000
    })
    const lat = `burst at ${args["latency-ms"]} ms`
    windows.push({ name: `${lat} ingest`, from: t0, to: ingested }, { name: `${lat} drain`, from: ingested, to: monoUs() })
    await samplers.stop()
    const burstEvents = CUSTOMERS * PER_CUSTOMER
    const calls = proxy.stats().calls - callsBefore
    acknowledged.push(...(burstResult?.acknowledged ?? []))

    const stored = await db.query<{ n: number }>(
      "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is not null",
      [acknowledged],
    )
    const dead = await db.query<{ n: number }>("select count(*)::int n from subscription_events where dead_at is not null")
    const twice = await db.query<{ n: number }>("select count(*)::int n from bench_applied_twice")
    const result = {
      ...roundsResult(),
      rate_limit: RATE_LIMIT ?? null,
      customers: CUSTOMERS,
      events_per_customer: PER_CUSTOMER,
      drain_s: round(drainSeconds),
      stripe_calls_per_event: round(calls / burstEvents),
      rate_limited_calls: proxy.stats().limited,
      page_timer: args["page-timer"],
      // The app's pages-first gate for deliveries (lib/billing/sync/pace.ts); 0 is off.
      ingest_while_pages: process.env.BILLING_INGEST_WHILE_PAGES ?? "2",
      app_sessions: args["shared-session"] ? "shared" : "own",
      pricing_p95_idle_ms: round(idle.pricing.p95),
      pricing_p95_burst_ms: round(during.pricing.p95),
      pricing_p95_burst_at_0ms_ms: round(zero.pricing.p95),
      manage_p95_idle_ms: round(idle.manage.p95),
      pricing_p95_c1_ms: round(single.pricing.p95),
      manage_p95_c1_ms: round(single.manage.p95),
      manage_p95_burst_ms: round(during.manage.p95),
      manage_p95_burst_at_0ms_ms: round(zero.manage.p95),
      pricing_burst_vs_idle: round(during.pricing.p95 / idle.pricing.p95),
      manage_burst_vs_idle: round(during.manage.p95 / idle.manage.p95),
      pricing_burst_at_0ms_vs_idle: round(zero.pricing.p95 / idle.pricing.p95),
      manage_burst_at_0ms_vs_idle: round(zero.manage.p95 / idle.manage.p95),
      pricing_burst_vs_0ms: round(during.pricing.p95 / zero.pricing.p95),
      manage_burst_vs_0ms: round(during.manage.p95 / zero.manage.p95),
      page_errors:
        idle.pricing.errors +
        idle.manage.errors +
        single.pricing.errors +
        single.manage.errors +
        during.pricing.errors +
        during.manage.errors,
      lost: acknowledged.length - (stored.rows[0]?.n ?? 0),
      applied_twice: twice.rows[0]?.n ?? 0,
      dead: dead.rows[0]?.n ?? 0,
    }
    console.log(`\npages p95 (ms)      idle   burst@0ms   burst@${args["latency-ms"]}ms`)
    console.log(
      `  /pricing          ${result.pricing_p95_idle_ms}   ${result.pricing_p95_burst_at_0ms_ms}   ${result.pricing_p95_burst_ms}`,
    )
    console.log(
      `  /subscription/manage ${result.manage_p95_idle_ms}   ${result.manage_p95_burst_at_0ms_ms}   ${result.manage_p95_burst_ms}`,
    )
    console.log(
      `  burst p95 / idle p95: /pricing ${result.pricing_burst_at_0ms_vs_idle} (0 ms), ${result.pricing_burst_vs_idle} (${args["latency-ms"]} ms); ` +
        `/subscription/manage ${result.manage_burst_at_0ms_vs_idle} (0 ms), ${result.manage_burst_vs_idle} (${args["latency-ms"]} ms)`,
    )
    // Where the time went, per window: page p95 inside it, and the app's, the machine's and Postgres's figures.
    const app = readAppProbe(PROBE_FILE)
    const pageSamples = {
      idle,
      [windows[1]?.name ?? ""]: zero,
      [windows[2]?.name ?? ""]: zero,
      [`${lat} ingest`]: during,
      [`${lat} drain`]: during,
    }
    console.log("\nwhere the time went (first instance), per window; CPU profile windows in CLOCK_MONOTONIC µs:")
    for (const w of windows) {
      const pr = pageSamples[w.name]
      const pricing = pr ? p95Within(pr.pricing.samples, w.from, w.to) : undefined
      const manage = pr ? p95Within(pr.manage.samples, w.from, w.to) : undefined
      const row = {
        ...summarise(w, app, samplers.machine, samplers.pgs),
        pricing_p95_ms: round(pricing?.p95 ?? 0),
        manage_p95_ms: round(manage?.p95 ?? 0),
        page_requests: (pricing?.requests ?? 0) + (manage?.requests ?? 0),
        from_us: w.from,
        to_us: w.to,
      }
      console.log(`PROBE ${JSON.stringify(row)}`)
    }
    console.log(`RESULT ${JSON.stringify({ ...result, load_average: [loadStart, round(loadavg()[0] ?? 0)] })}`)
  } finally {
    await Promise.all(
      apps.map((app) => {
        const exited = new Promise((r) => app.once("exit", r))
        app.kill("SIGTERM")
        return exited
      }),
    )
    await samplers.stop()
    await db.end()
    rmSync(PROBE_FILE, { force: true })
    await proxy.stop()
    await stack.stop()
  }
}

const round = (x: number) => Math.round(x * 100) / 100

/** Page p95 at c=8 (half /pricing, half the signed-in manage page): while `during` runs, or for 200 requests each. */
async function measurePages(pages: { pricing: string[]; manage: string[] }, cookie: string, during?: () => Promise<unknown>) {
  const min = during ? 40 : 200
  const jobs = [
    { url: pages.pricing, concurrency: PAGE_CONCURRENCY / 2, min },
    { url: pages.manage, concurrency: PAGE_CONCURRENCY / 2, headers: { cookie }, min },
  ]
  if (args["page-timer"] === "worker") {
    const loads = jobs.map((job) => pageLoadOnWorker(job))
    await Promise.all(loads.map((l) => l.ready))
    await during?.()
    for (const l of loads) l.stop()
    const [pricing, manage] = await Promise.all(loads.map((l) => l.result))
    return { pricing: pricing as PageResult, manage: manage as PageResult }
  }
  let done = !during
  const work = during?.().finally(() => (done = true))
  const until = () => done
  const [pricing, manage] = await Promise.all(jobs.map((job) => pageLoad(job.url, { ...job, until })))
  await work
  return { pricing: pricing as PageResult, manage: manage as PageResult }
}

/** Waits until no event matching `pattern` is pending; calls the cron every 5 s, as a scheduler would. */
async function waitApplied(db: pg.Pool, cronUrl: string, pattern: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  let nextCron = Date.now() + 5000
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int n from subscription_events where stripe_event_id like $1 and processed_at is null and dead_at is null",
      [pattern],
    )
    if (rows[0]?.n === 0) return
    if (Date.now() > deadline) throw new Error(`${rows[0]?.n} events matching ${pattern} still pending after ${timeoutMs} ms`)
    if (Date.now() > nextCron) {
      nextCron = Date.now() + 5000
      await fetch(cronUrl, { headers: { authorization: `Bearer ${CRON_SECRET}` } })
        .then((r) => r.arrayBuffer())
        .catch(() => {})
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function subscribeCustomers(db: pg.Pool, stripe: Stripe, n: number): Promise<Stripe.Subscription[]> {
  const [price] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data
  if (!price) throw new Error("no subkit_pro_monthly price: stripe:setup did not run")
  const subs: Stripe.Subscription[] = []
  for (let i = 0; i < n; i++) {
    const userId = randomUUID()
    await db.query("insert into auth.users (id, email) values ($1, $2)", [userId, `bench-${i}-${userId}@example.com`])
    subs.push(await subscribe(db, stripe, userId, price.id))
  }
  return subs
}

async function subscribe(db: pg.Pool, stripe: Stripe, userId: string, priceId: string) {
  const customer = await stripe.customers.create({ email: `${userId}@example.com`, metadata: { user_id: userId } })
  await db.query("insert into billing_customers (user_id, stripe_customer_id) values ($1, $2)", [userId, customer.id])
  const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
  return stripe.subscriptions.create({ customer: customer.id, items: [{ price: priceId }], default_payment_method: pm.id })
}

/** Signs a user up through the Auth emulator exactly as the app's @supabase/ssr client would, and returns its cookies. */
async function signedInCookie(db: pg.Pool, stripe: Stripe, authUrl: string): Promise<string> {
  let jar: { name: string; value: string }[] = []
  const supabase = createServerClient(authUrl, LOCAL_SUPABASE_ANON_KEY, {
    cookies: {
      getAll: () => jar,
      setAll: (c) => {
        jar = c.map(({ name, value }) => ({ name, value }))
      },
    },
    realtime: { transport: (await import("ws")).default as never },
  })
  const { data, error } = await supabase.auth.signUp({ email: `bench-manage-${randomUUID()}@example.com`, password: "bench-password-1" })
  if (error || !data.user) throw new Error(`sign-up failed: ${error?.message}`)
  const [price] = (await stripe.prices.list({ lookup_keys: ["subkit_team_monthly"] })).data
  if (!price) throw new Error("no subkit_team_monthly price")
  const sub = await subscribe(db, stripe, data.user.id, price.id)
  await db.query(
    `insert into user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, stripe_price_id, status, quantity, stripe_created_at)
     values ($1, $2, $3, 'team', $4, 'active', 1, now())`,
    [sub.id, data.user.id, sub.customer, price.id],
  )
  return jar.map((c) => `${c.name}=${c.value}`).join("; ")
}

await main()
