// The webhook pipeline under crashes and concurrency, on the production build and a real PostgreSQL
// server: the app killed with SIGKILL mid-burst, Postgres stopped and restarted mid-burst, and two
// app instances fed the same events at once.
import { randomUUID } from "node:crypto"
import pg from "pg"
import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../../scripts/lib/local-db"
import { startStack, type Stack } from "../../scripts/lib/stack"
import { startApp, type AppProcess } from "../support/app-process"

const CRON_SECRET = randomUUID()
let stack: Stack
let port: number
let db: pg.Pool
let apps: AppProcess[] = []

beforeAll(async () => {
  port = await freePort()
  stack = await startStack({
    appUrl: `http://localhost:${port}`,
    database: "postgres",
    webhookRetryDelaysMs: [300, 600, 1000, 2000, 3000, 5000],
    log: () => {},
  })
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
  db.on("error", () => {}) // idle sessions are cut when the Postgres test stops the server
  // Counts any event whose processed_at is written twice.
  await db.query(`create table applied_twice (id text);
    create function applied_twice() returns trigger language plpgsql as $$ begin insert into applied_twice values (old.stripe_event_id); return new; end $$;
    create trigger applied_twice before update on subscription_events for each row
      when (old.processed_at is not null and new.processed_at is distinct from old.processed_at) execute function applied_twice();`)
})

afterAll(async () => {
  for (const a of apps) await a.kill("SIGKILL")
  await db?.end()
  await stack?.stop()
})

const appEnv = () => ({ ...stack.appEnv, CRON_SECRET, BILLING_COALESCE_MS: "200" })

async function subscribeMany(n: number) {
  const stripe = stack.stripe.client()
  const [price] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data
  if (!price) throw new Error("no price")
  const subs: Stripe.Subscription[] = []
  for (let i = 0; i < n; i++) {
    const userId = randomUUID()
    await db.query("insert into auth.users (id, email) values ($1, $2)", [userId, `r-${userId}@example.com`])
    const customer = await stripe.customers.create({ email: `r-${userId}@example.com`, metadata: { user_id: userId } })
    await db.query("insert into billing_customers (user_id, stripe_customer_id) values ($1, $2)", [userId, customer.id])
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    subs.push(await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id }))
  }
  return subs
}

/** Emulator deliveries done, then the cron until the inbox is empty (what Vercel Cron does every minute). */
async function settle(appUrl: string, timeoutMs = 60_000) {
  await stack.stripe.webhooks.idle()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await db.query<{ n: number }>("select count(*)::int n from subscription_events where processed_at is null")
    if (rows[0]?.n === 0) return
    if (Date.now() > deadline) throw new Error(`${rows[0]?.n} events unapplied`)
    await fetch(`${appUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${CRON_SECRET}` } }).then((r) => r.arrayBuffer())
    await new Promise((r) => setTimeout(r, 300))
  }
}

async function expectRowsEqualStripe(subs: Stripe.Subscription[]) {
  const stripe = stack.stripe.client()
  for (const s of subs) {
    const now = await stripe.subscriptions.retrieve(s.id)
    const { rows } = await db.query("select status, current_period_end from user_subscriptions where stripe_subscription_id = $1", [s.id])
    expect({ status: rows[0]?.status, periodEnd: rows[0]?.current_period_end?.getTime() }).toEqual({
      status: now.status,
      periodEnd: (now.items.data[0]?.current_period_end ?? 0) * 1000,
    })
  }
}

describe("webhooks under crashes", () => {
  it("SIGKILL mid-burst: every acknowledged event is applied, every unacknowledged one redelivered, none twice", async () => {
    let app = await startApp(port, appEnv())
    apps.push(app)
    const subs = await subscribeMany(15)
    await settle(app.url)
    const since = stack.stripe.webhooks.deliveries.length
    const { rows: before } = await db.query<{ n: number }>("select count(*)::int n from subscription_events")
    stack.stripe.advance(31 * 86_400) // 15 renewals: their events go out at once, concurrently
    const deadline = Date.now() + 20_000
    for (;;) {
      const { rows } = await db.query<{ n: number }>("select count(*)::int n from subscription_events")
      if ((rows[0]?.n ?? 0) - (before[0]?.n ?? 0) >= 10 || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 10))
    }
    await app.kill("SIGKILL")
    await new Promise((r) => setTimeout(r, 500))
    app = await startApp(port, appEnv())
    apps.push(app)
    await settle(app.url)

    const renewal = stack.stripe.webhooks.deliveries.slice(since)
    const failed = renewal.filter((d) => d.status === null || d.status >= 300)
    expect(failed.length).toBeGreaterThan(0) // the kill really hit deliveries in flight or queued
    const acknowledged = [...new Set(renewal.filter((d) => d.status !== null && d.status < 300).map((d) => d.event))]
    const { rows: applied } = await db.query<{ id: string }>(
      "select stripe_event_id id from subscription_events where stripe_event_id = any($1) and processed_at is not null",
      [[...new Set(renewal.map((d) => d.event))]],
    )
    expect(applied.length).toBe(new Set(renewal.map((d) => d.event)).size) // every event, acknowledged before or after the kill
    expect(acknowledged.every((id) => applied.some((r) => r.id === id))).toBe(true)
    expect((await db.query("select count(*)::int n from applied_twice")).rows[0].n).toBe(0)
    await expectRowsEqualStripe(subs)
  }, 180_000)

  it("Postgres stopped and restarted mid-burst: 5xx while it is down, then every event applied once", async () => {
    const database = stack.database
    if (!database?.halt || !database.resume) throw new Error("the stack's Postgres cannot be halted")
    for (const a of apps) await a.kill("SIGKILL")
    const app = await startApp(port, appEnv())
    apps = [app]
    const subs = await subscribeMany(10)
    await settle(app.url)
    const since = stack.stripe.webhooks.deliveries.length
    const { rows: before } = await db.query<{ n: number }>("select count(*)::int n from subscription_events")
    stack.stripe.advance(31 * 86_400)
    const deadline = Date.now() + 20_000
    for (;;) {
      const { rows } = await db.query<{ n: number }>("select count(*)::int n from subscription_events")
      if ((rows[0]?.n ?? 0) - (before[0]?.n ?? 0) >= 5 || Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 10))
    }
    await database.halt()
    // While the database is down, deliveries (the burst's rest and Stripe's redeliveries) get a 5xx.
    const outageEnd = Date.now() + 3_000
    let refusedWhileDown = 0
    while (Date.now() < outageEnd) {
      refusedWhileDown = stack.stripe.webhooks.deliveries.slice(since).filter((d) => d.status !== null && d.status >= 500).length
      await new Promise((r) => setTimeout(r, 100))
    }
    await database.resume()
    await settle(app.url)

    expect(refusedWhileDown).toBeGreaterThan(0)
    const renewal = stack.stripe.webhooks.deliveries.slice(since)
    const ids = [...new Set(renewal.map((d) => d.event))]
    const { rows: applied } = await db.query<{ id: string }>(
      "select stripe_event_id id from subscription_events where stripe_event_id = any($1) and processed_at is not null",
      [ids],
    )
    expect(applied.length).toBe(ids.length)
    expect((await db.query("select count(*)::int n from applied_twice")).rows[0].n).toBe(0)
    expect(await fetch(`${app.url}/pricing`).then((r) => r.status)).toBe(200) // the same process serves on
    await expectRowsEqualStripe(subs)
  }, 180_000)

  it("two app instances receiving the same events at once apply each once; rows equal Stripe's", async () => {
    for (const a of apps) await a.kill("SIGKILL")
    apps = []
    const second = await freePort()
    const [a, b] = await Promise.all([startApp(port, appEnv()), startApp(second, appEnv())])
    apps.push(a, b)
    const subs = await subscribeMany(10)
    await settle(a.url)
    // Stop the emulator's own deliveries; feed both instances the same signed events concurrently.
    const stripe = stack.stripe.client()
    for (const ep of (await stripe.webhookEndpoints.list()).data) await stripe.webhookEndpoints.update(ep.id, { disabled: true })
    const since = (await stripe.events.list({ limit: 1 })).data[0]?.id
    stack.stripe.advance(31 * 86_400)
    const events: Stripe.Event[] = []
    for await (const e of stripe.events.list({ limit: 100, ...(since ? { ending_before: since } : {}) })) events.push(e)
    expect(events.length).toBeGreaterThanOrEqual(subs.length * 2)
    const { default: StripeSdk } = await import("stripe")
    const post = (url: string, e: Stripe.Event) => {
      const payload = JSON.stringify(e)
      const header = StripeSdk.webhooks.generateTestHeaderString({ payload, secret: stack.webhookSecret })
      return fetch(`${url}/api/webhooks/stripe`, {
        method: "POST",
        headers: { "stripe-signature": header, "content-type": "application/json" },
        body: payload,
      }).then((r) => r.status)
    }
    const statuses = await Promise.all(events.flatMap((e) => [post(a.url, e), post(b.url, e)]))
    expect(statuses.every((s) => s === 200)).toBe(true)
    await settle(b.url)
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is not null",
      [events.map((e) => e.id)],
    )
    expect(rows[0]?.n).toBe(events.length)
    expect((await db.query("select count(*)::int n from applied_twice")).rows[0].n).toBe(0)
    await expectRowsEqualStripe(subs)
  }, 180_000)
})
