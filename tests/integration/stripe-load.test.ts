// The emulator under load behaves as Stripe does: latency on every call, a request rate limit answered
// with Stripe's 429, failed deliveries redelivered with exponential back-off, and a clock advance over
// many subscriptions sending each one's renewal events in Stripe's order.
import { spawn } from "node:child_process"
import http from "node:http"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import type { AddressInfo } from "node:net"
import type Stripe from "stripe"
import { afterEach, describe, expect, it } from "vitest"
import { parseLatency, RateLimiter } from "@subkit/stripe-emulator/load"
import { freePort, waitForPort } from "../../scripts/lib/local-db"
import { startCheckedEmulator } from "../support/contract"

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})
async function emulator(name: string, opts: Parameters<typeof startCheckedEmulator>[1] = {}) {
  const em = await startCheckedEmulator(name, opts)
  stops.push(em.stop)
  return em
}

async function receiver(answer: (attempt: number) => Promise<number>) {
  let attempts = 0
  const server = http.createServer((req, res) => {
    req.resume()
    void answer(++attempts).then((status) => {
      res.statusCode = status
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  stops.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
}

describe("latency", () => {
  it("parses a fixed value or a min-max range", () => {
    expect(parseLatency("150")?.()).toBe(150)
    const draw = parseLatency("100-300")
    const values = Array.from({ length: 50 }, () => draw?.() ?? -1)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(100)
    expect(Math.max(...values)).toBeLessThanOrEqual(300)
    expect(parseLatency(undefined)).toBeNull()
    expect(() => parseLatency("fast")).toThrow(/STRIPE_EMULATOR_LATENCY_MS/)
  })

  it("delays every API response by the configured latency", async () => {
    const em = await emulator("stripe-load-latency", { latencyMs: [120, 160] })
    const stripe = em.client()
    const t0 = performance.now()
    await stripe.customers.list()
    await stripe.customers.create({})
    const each = (performance.now() - t0) / 2
    expect(each).toBeGreaterThanOrEqual(115)
    expect(each).toBeLessThan(400)
  })
})

describe("rate limit", () => {
  it("a sliding one-second window", () => {
    const limiter = new RateLimiter(2)
    expect([limiter.take(0), limiter.take(10), limiter.take(20)]).toEqual([true, true, false])
    expect(limiter.take(1001)).toBe(true)
  })

  it("answers beyond the limit with Stripe's 429 rate_limit error, which the SDK raises as StripeRateLimitError", async () => {
    const em = await emulator("stripe-load-rate", { rateLimit: 5 })
    const stripe = em.client()
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => stripe.customers.list({ limit: 1 })))
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected")
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5)
    expect(refused).toHaveLength(7)
    expect(refused[0]?.reason).toMatchObject({
      type: "StripeRateLimitError",
      statusCode: 429,
      code: "rate_limit",
      rawType: "invalid_request_error",
    })
    const res = await fetch(`${em.url}/v1/customers`, { headers: { authorization: `Bearer ${em.secretKey}` } })
    expect(res.status).toBe(429)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^Request rate limit exceeded/)
    await new Promise((r) => setTimeout(r, 1050))
    await expect(stripe.customers.list({ limit: 1 })).resolves.toMatchObject({ object: "list" })
  })
})

describe("webhook redelivery", () => {
  it("retries non-2xx and timeouts with exponential back-off", async () => {
    const em = await emulator("stripe-load-retry", { webhooks: { initialRetryMs: 40, retries: 4, timeoutMs: 150 } })
    // Attempt 1 times out, 2 and 3 answer 500, 4 succeeds.
    const url = await receiver(async (attempt) => {
      if (attempt === 1) await new Promise((r) => setTimeout(r, 400))
      return attempt < 4 ? 500 : 200
    })
    await em.client().webhookEndpoints.create({ url, enabled_events: ["customer.created"] })
    await em.client().customers.create({})
    await em.webhooks.idle()
    const log = em.webhooks.deliveries.filter((d) => d.endpoint === url)
    expect(log.map((d) => [d.attempt, d.status])).toEqual([
      [1, null],
      [2, 500],
      [3, 500],
      [4, 200],
    ])
    expect(log[0]?.error).toMatch(/timeout|abort/i)
    // The back-off doubles: 40, 80, 160 ms (±10 % jitter), and no attempt comes before its time.
    const waits = log.slice(0, 3).map((d) => d.retryInMs ?? 0)
    waits.forEach((w, n) => expect(Math.abs(w - 40 * 2 ** n)).toBeLessThanOrEqual(4 * 2 ** n + 1))
    expect(log[3]?.retryInMs).toBeUndefined()
    const ends = log.map((d) => Date.parse(d.at))
    for (let i = 1; i < log.length; i++)
      expect((ends[i] ?? 0) - (log[i]?.ms ?? 0) - (ends[i - 1] ?? 0)).toBeGreaterThanOrEqual((waits[i - 1] ?? 0) - 5)
  })
})

describe("renewal burst", () => {
  it("a clock advance over many subscriptions sends each one's renewal events in Stripe's order", async () => {
    const em = await emulator("stripe-load-burst")
    const stripe = em.client()
    const product = await stripe.products.create({ name: "Pro" })
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" } })
    const subs: Stripe.Subscription[] = []
    for (let i = 0; i < 25; i++) {
      const customer = await stripe.customers.create({ email: `burst${i}@example.com`, payment_method: "pm_card_visa" })
      const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]
      subs.push(await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm?.id }))
    }
    const last = (await stripe.events.list({ limit: 1 })).data[0]?.id
    await fetch(`${em.url}/_emulator/clock/advance`, { method: "POST", body: JSON.stringify({ days: 32 }) })
    const all: Stripe.Event[] = []
    for await (const e of stripe.events.list({ limit: 100 })) all.push(e)
    all.reverse()
    const events = all.slice(all.findIndex((e) => e.id === last) + 1)
    for (const sub of subs) {
      const mine = events.filter((e) => {
        const o = e.data.object as { id?: string; parent?: { subscription_details?: { subscription?: string } } }
        return o.id === sub.id || o.parent?.subscription_details?.subscription === sub.id
      })
      expect(mine.map((e) => e.type)).toEqual([
        "customer.subscription.updated",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
      ])
      const previous = mine[0]?.data.previous_attributes as { items?: Stripe.ApiList<Stripe.SubscriptionItem> } | undefined
      expect(previous?.items?.data[0]?.current_period_end).toBe(sub.items.data[0]?.current_period_end)
    }
    expect(events.length).toBe(subs.length * 5)
  })
})

describe("npm run emulator:stripe", () => {
  it("reads its key, latency and rate limit from the environment", async () => {
    const port = await freePort()
    const root = path.resolve(import.meta.dirname, "../..")
    const child = spawn(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "packages/stripe-emulator/src/main.ts")],
      {
        env: {
          ...process.env,
          STRIPE_EMULATOR_PORT: String(port),
          STRIPE_EMULATOR_STATE: path.join(mkdtempSync(path.join(tmpdir(), "stripe-emulator-")), "state.json"),
          STRIPE_EMULATOR_SECRET_KEY: "sk_test_from_env",
          STRIPE_EMULATOR_LATENCY_MS: "100-120",
          STRIPE_EMULATOR_RATE_LIMIT: "3",
        },
        stdio: "ignore",
      },
    )
    stops.push(async () => {
      child.kill("SIGTERM")
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r))
    })
    await waitForPort(port, 30_000)
    const call = (key: string) => fetch(`http://127.0.0.1:${port}/v1/customers`, { headers: { authorization: `Bearer ${key}` } })
    expect((await call("sk_test_subkit_emulator")).status).toBe(401)
    const t0 = performance.now()
    expect((await call("sk_test_from_env")).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95)
    const statuses = await Promise.all(
      [call("sk_test_from_env"), call("sk_test_from_env"), call("sk_test_from_env")].map((p) => p.then((r) => r.status)),
    )
    expect(statuses.filter((s) => s === 429)).toHaveLength(1) // 3 per second: one used above (a refused key is not counted)
  })
})
