// npm run bench:usage -- [--latency-ms 300] [--rate-limit 25] [--events 4000] [--concurrency 32] [--rounds 2] [--skip-build]
// The production build (next build + next start) on a PostgreSQL server, Stripe's latency and rate limit
// in front of the emulator (scripts/lib/stripe-proxy.ts). In one run:
//   baseline   POST /api/usage/reports with a bad session: routing, body, session check, 401
//   record     the same route signed in (a Pro user), one unit per request, a fresh idempotency key each
//   flush      the cron until the outbox is empty; Stripe calls counted at the proxy
//   check      every 200 answer is one ledger record (lost), the counter equals the records (counted
//              twice), and Stripe's event summary for the period equals the ledger
//   limit      64 concurrent consumers against a hard limit of 1,000 (recordUsage on the same Postgres)
// The last line is `RESULT {json}`. Not measured here (not done): SIGKILL and Postgres restart mid-burst.
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { parseArgs } from "node:util"
import { createServerClient } from "@supabase/ssr"
import pg from "pg"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { median } from "./lib/bench/load"
import { buildUnlessSkipped, nextBin, root } from "./lib/bench/next-build"
import { freePort, waitForPort } from "./lib/local-db"
import { startStack } from "./lib/stack"
import { parseLatency, startStripeProxy } from "./lib/stripe-proxy"

const { values: args } = parseArgs({
  options: {
    "latency-ms": { type: "string", default: "300" },
    "rate-limit": { type: "string", default: "25" },
    events: { type: "string", default: "4000" },
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "2" },
    "skip-build": { type: "boolean", default: false },
  },
})
const EVENTS = Number(args.events)
const CONCURRENCY = Number(args.concurrency)
const ROUNDS = Number(args.rounds)
const CRON_SECRET = randomUUID()

type Shot = { status: number; key: string }

async function post(url: string, cookie: string, n: number, concurrency: number, tag: string) {
  const shots: Shot[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const key = `${tag}-${i}`
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", cookie },
            body: JSON.stringify({ value: 1, idempotency_key: key }),
          })
          await res.arrayBuffer()
          shots.push({ status: res.status, key })
        } catch {
          shots.push({ status: 0, key })
        }
      }
    }),
  )
  return { rate: n / ((performance.now() - started) / 1000), shots }
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
  const stack = await startStack({ appUrl, database: "postgres", log: () => {} })
  const proxy = await startStripeProxy(stack.stripe.url, {
    latencyMs: parseLatency(args["latency-ms"]),
    rateLimit: Number(args["rate-limit"]) || undefined,
  })
  const stripe = stack.stripe.client()
  const app = spawn(process.execPath, [nextBin, "start", "--port", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      ...stack.appEnv,
      STRIPE_API_BASE: proxy.url,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY,
      CRON_SECRET,
      LOG_LEVEL: "error",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_POOL_MAX: "16",
    },
    stdio: ["ignore", "ignore", "inherit"],
  })
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
  try {
    await waitForPort(port, 60_000)
    const { userId, cookie } = await signedIn(stack.authUrl)
    const customer = await stripe.customers.create({ email: `${userId}@example.com`, metadata: { user_id: userId } })
    const periodStart = new Date(Date.now() - 86_400_000)
    await db.query(
      `insert into user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, status, quantity, current_period_start, current_period_end, stripe_created_at)
       values ($1, $2, $3, 'pro', 'active', 1, $4, now() + interval '29 days', now())`,
      [`sub_bench_${randomUUID().slice(0, 8)}`, userId, customer.id, periodStart],
    )
    const url = `${appUrl}/api/usage/reports`
    // A session cookie whose token does not verify: the route refuses it (401) after the same work up to the check.
    const badCookie = forgedSession(cookie)
    // Warm both paths.
    await post(url, badCookie, 300, CONCURRENCY, "warm-bad")
    await post(url, cookie, 300, CONCURRENCY, "warm")
    const base: number[] = []
    const rec: number[] = []
    const ok: string[] = []
    let errors = 0
    for (let r = 1; r <= ROUNDS; r++) {
      const b = await post(url, badCookie, EVENTS, CONCURRENCY, `bad${r}`)
      const wrong = b.shots.filter((s) => s.status !== 401)
      if (wrong.length)
        throw new Error(`baseline: ${wrong.length} answers were not 401 (${[...new Set(wrong.map((s) => s.status))].join(", ")})`)
      base.push(b.rate)
      const u = await post(url, cookie, EVENTS, CONCURRENCY, `r${r}`)
      rec.push(u.rate)
      for (const s of u.shots) if (s.status === 200) ok.push(s.key)
      errors += u.shots.filter((s) => s.status !== 200).length
      console.log(`  round ${r}: baseline ${b.rate.toFixed(0)} req/s, recorded ${u.rate.toFixed(0)} events/s`)
    }
    // Flush: the cron until nothing is pending; Stripe calls counted at the proxy.
    const before = proxy.stats().calls
    for (let i = 0; i < 120; i++) {
      await fetch(`${appUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${CRON_SECRET}` } })
      const { rows } = await db.query<{ n: number }>("select count(*)::int n from usage_outbox where status = 'pending'")
      if (!rows[0]?.n) break
      await new Promise((r) => setTimeout(r, 500))
    }
    const calls = proxy.stats().calls - before
    const recorded = await db.query<{ key: string }>(
      "select idempotency_key key from usage_records where user_id = $1 and status = 'recorded'",
      [userId],
    )
    const keys = new Set(recorded.rows.map((r) => r.key))
    const lost = ok.filter((k) => !keys.has(k)).length
    const counter = await db.query<{ used: string }>("select used from usage_counters where subject = $1", [`user:${userId}`])
    const used = Number(counter.rows[0]?.used ?? 0)
    const countedTwice = Math.max(0, used - keys.size)
    const [meter] = (await stripe.billing.meters.list({ status: "active" })).data.filter((m) => m.event_name === "subkit_reports")
    if (!meter) throw new Error("no meter: stripe:setup did not create it")
    const now = Math.floor(Date.now() / 1000)
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: Math.floor(periodStart.getTime() / 60_000) * 60,
      end_time: Math.ceil((now + 120) / 60) * 60,
    })
    const stripeTotal = summaries.data.reduce((s, x) => s + x.aggregated_value, 0)

    // The hard limit, in process against the same Postgres: 64 consumers, a Free allowance of 1,000.
    Object.assign(process.env, stack.appEnv, { NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY, LOG_LEVEL: "error" })
    const { USAGE_METERS } = await import("../lib/billing/catalog")
    const { recordUsage, getUsage } = await import("../lib/billing/usage/ledger")
    const { pool } = await import("../lib/db/client")
    ;(USAGE_METERS.reports.free as { included: number }).included = 1000
    const freeUser = randomUUID()
    await db.query("insert into auth.users (id, email) values ($1, $2)", [freeUser, `bench-free-${freeUser}@example.com`])
    let n = 0
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (n < 1300) await recordUsage({ userId: freeUser, meter: "reports", value: 1, idempotencyKey: `l${n++}` })
      }),
    )
    const atLimit = (await getUsage(freeUser, "reports")).used
    await pool.end()

    const eventsPerS = median(rec)
    const baselinePerS = median(base)
    const result = {
      events_per_s: Math.round(eventsPerS),
      baseline_per_s: Math.round(baselinePerS),
      ratio: Number((eventsPerS / baselinePerS).toFixed(3)),
      concurrency: CONCURRENCY,
      recorded_events: ok.length,
      errors,
      limit: 1000,
      recorded_at_limit: atLimit,
      over_limit: Math.max(0, atLimit - 1000),
      stripe_calls: calls,
      stripe_calls_per_1000: Number(((calls / Math.max(1, ok.length)) * 1000).toFixed(3)),
      stripe_latency_ms: args["latency-ms"],
      stripe_rate_limit: Number(args["rate-limit"]),
      lost,
      counted_twice: countedTwice,
      ledger_units: used,
      stripe_units: stripeTotal,
      ledger_equals_stripe: stripeTotal === used,
      sigkill_and_postgres_restart: "not measured",
    }
    console.log(`RESULT ${JSON.stringify(result)}`)
  } finally {
    app.kill("SIGTERM")
    await db.end()
    await proxy.stop()
    await stack.stop()
  }
}

await main()
