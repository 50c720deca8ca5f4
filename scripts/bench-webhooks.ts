// npm run bench:webhooks: N distinct signed subscription events at concurrency 16 against the
// production build on a PostgreSQL server, next to a verify-only baseline measured in the same run.
//   baseline: the same route on the same server given a wrong signature: Next's routing, the raw body
//             read and the HMAC check, then an answer; no database, no Stripe.
//   subkit:   valid events: verify, claim the event row, re-read the subscription from the Stripe
//             emulator, upsert, commit.
// Rounds alternate (baseline, subkit, …) and medians are reported, since the machine is shared.
import { execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import path from "node:path"
import pg from "pg"
import Stripe from "stripe"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { freePort, waitForPort } from "./lib/local-db"
import { startStack } from "./lib/stack"

const N = Number(process.env.BENCH_EVENTS ?? 2000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SUBSCRIPTIONS = 200
// An unhandled type (e.g. customer.created) measures the exactly-once bookkeeping alone.
const EVENT_TYPE = process.env.BENCH_EVENT_TYPE ?? "customer.subscription.updated"
const root = path.resolve(import.meta.dirname, "..")
const nextBin = path.join(root, "node_modules/next/dist/bin/next")

type Result = { rate: number; p50: number; p99: number; errors: number; statuses: Record<number, number> }

async function fire(url: string, bodies: { payload: string; header: string }[], expect: number): Promise<Result> {
  const latencies: number[] = []
  const statuses: Record<number, number> = {}
  let next = 0
  let errors = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const t = performance.now()
        try {
          const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": bodies[i]!.header }, body: bodies[i]!.payload })
          await res.arrayBuffer()
          statuses[res.status] = (statuses[res.status] ?? 0) + 1
          if (res.status !== expect) errors++
        } catch {
          errors++
        }
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!
  return { rate: bodies.length / seconds, p50: q(0.5), p99: q(0.99), errors, statuses }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main() {
  if (!process.env.BENCH_SKIP_BUILD) {
    console.log("building (next build)…")
    execFileSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "ignore", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } })
  }
  const port = await freePort()
  const appUrl = `http://localhost:${port}`
  const stack = await startStack({ appUrl, database: "postgres", log: () => {} })
  // The bench posts events itself; the emulator's own deliveries would only add noise.
  const stripe = stack.stripe.client()
  for (const ep of (await stripe.webhookEndpoints.list()).data) await stripe.webhookEndpoints.update(ep.id, { disabled: true })
  // BENCH_PROFILE=dir writes a CPU profile of the app server (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []
  const app = spawn(process.execPath, [...profile, nextBin, "start", "--port", String(port)], {
    cwd: root,
    env: { ...process.env, ...stack.appEnv, NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY, LOG_LEVEL: "error", NODE_ENV: "production", SUBKIT_OFFLINE: "1", NEXT_TELEMETRY_DISABLED: "1", DATABASE_POOL_MAX: "16" },
    stdio: ["ignore", "ignore", "inherit"],
  })
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
  try {
    await waitForPort(port, 60_000)
    console.log(`setting up ${SUBSCRIPTIONS} subscribed customers…`)
    const [price] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data
    const subs: Stripe.Subscription[] = []
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const userId = randomUUID()
      await db.query("insert into auth.users (id, email) values ($1, $2)", [userId, `bench-${i}-${userId}@example.com`])
      const customer = await stripe.customers.create({ email: `bench-${i}@example.com`, metadata: { user_id: userId } })
      await db.query("insert into billing_customers (user_id, stripe_customer_id) values ($1, $2)", [userId, customer.id])
      const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
      subs.push(await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price!.id }], default_payment_method: pm.id }))
    }
    const hook = `${appUrl}/api/webhooks/stripe`
    const makeEvents = (round: number) =>
      Array.from({ length: N }, (_, i) => {
        const sub = subs[i % subs.length]!
        const payload = JSON.stringify({ id: `evt_bench_${round}_${i}`, object: "event", api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), type: EVENT_TYPE, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object: sub } })
        return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: stack.webhookSecret }) }
      })
    const forged = makeEvents(-1).map((e) => ({ ...e, header: Stripe.webhooks.generateTestHeaderString({ payload: e.payload, secret: "whsec_wrong" }) }))

    // Warm both paths (JIT, connection pool, route compilation caches).
    await fire(hook, forged.slice(0, 200), 400)
    await fire(hook, makeEvents(0).slice(0, 200), 200)

    const base: Result[] = []
    const real: Result[] = []
    for (let r = 1; r <= ROUNDS; r++) {
      base.push(await fire(hook, forged, 400))
      const events = makeEvents(r)
      real.push(await fire(hook, events, 200))
      const { rows } = await db.query("select count(*)::int n from subscription_events where stripe_event_id like $1 and processed_at is not null", [`evt_bench_${r}_%`])
      if (rows[0].n !== N) throw new Error(`round ${r}: ${rows[0].n} of ${N} events processed`)
    }
    const fmt = (xs: Result[]) => ({
      rate: median(xs.map((x) => x.rate)),
      p50: median(xs.map((x) => x.p50)),
      p99: median(xs.map((x) => x.p99)),
      errors: xs.reduce((s, x) => s + x.errors, 0),
    })
    const b = fmt(base)
    const s = fmt(real)
    const line = (name: string, x: ReturnType<typeof fmt>) =>
      `${name.padEnd(34)} ${x.rate.toFixed(0).padStart(6)} events/s   p50 ${x.p50.toFixed(1).padStart(6)} ms   p99 ${x.p99.toFixed(1).padStart(6)} ms   errors ${x.errors}`
    console.log(`\n${N} ${EVENT_TYPE} events × ${ROUNDS} rounds, concurrency ${CONCURRENCY}, medians of rounds (PostgreSQL server, Stripe emulator in this process)`)
    console.log(line("baseline (verify only, same route)", b))
    console.log(line("subkit (verify + record + sync)", s))
    console.log(`ratio subkit / baseline: ${((s.rate / b.rate) * 100).toFixed(0)}%   every event in the database: yes (${N * ROUNDS} of ${N * ROUNDS})`)
  } finally {
    const exited = new Promise((r) => app.once("exit", r))
    app.kill("SIGTERM")
    await exited
    await db.end()
    await stack.stop()
  }
}

await main()
