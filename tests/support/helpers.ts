// Shared test helpers: users in auth.users, signed webhook requests, the emulator's admin API.
import { randomUUID } from "node:crypto"
import pg from "pg"
import Stripe from "stripe"
import { inject } from "vitest"
import { uniqueCardNumber } from "./cards"
import { advanceInSteps } from "./test-clock"

export const WEBHOOK_SECRET = "whsec_integration_tests"

let pool: pg.Pool | undefined
export const sql = () => (pool ??= new pg.Pool({ connectionString: inject("databaseUrl"), max: 5 }))

export function stripeClient() {
  const url = new URL(inject("stripeUrl"))
  return new Stripe(inject("stripeSecretKey"), { host: url.hostname, port: url.port, protocol: "http", maxNetworkRetries: 0 })
}

/** A user as Supabase Auth would create one (the trigger fills public.users). */
export async function createUser(email = `user-${randomUUID()}@example.com`) {
  const id = randomUUID()
  await sql().query(
    "insert into auth.users (id, email, aud, role, created_at, updated_at) values ($1, $2, 'authenticated', 'authenticated', now(), now())",
    [id, email],
  )
  return { id, email }
}

export function signedRequest(payload: string, opts: { secret?: string; timestamp?: number; signature?: string | null } = {}) {
  const header =
    opts.signature === null
      ? undefined
      : (opts.signature ??
        Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: opts.secret ?? WEBHOOK_SECRET,
          timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
        }))
  return new Request("http://localhost:3999/api/webhooks/stripe", {
    method: "POST",
    headers: { "content-type": "application/json", ...(header ? { "stripe-signature": header } : {}) },
    body: payload,
  })
}

export async function admin(path: string, body: object = {}) {
  const res = await fetch(`${inject("stripeUrl")}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`admin ${path}: ${res.status}`)
  return res.json() as Promise<Record<string, unknown>>
}

/** Every event the emulator recorded for `customer` (oldest first). */
export async function eventsFor(stripe: Stripe, customerId: string, sinceId?: string) {
  const all: Stripe.Event[] = []
  for await (const e of stripe.events.list({ limit: 100 })) all.push(e)
  all.reverse()
  const start = sinceId ? all.findIndex((e) => e.id === sinceId) + 1 : 0
  return all.slice(start).filter((e) => {
    const o = e.data.object as { id?: string; customer?: unknown }
    return o.customer === customerId || o.id === customerId
  })
}

export function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

/** The proxy between the app and the emulator (scripts/lib/stripe-proxy.ts): injected failures, call counts. */
export const faults = {
  async add(fault: { status: number; count: number; path?: string; headers?: Record<string, string> }) {
    await fetch(`${inject("appStripeUrl")}/_proxy/faults`, { method: "POST", body: JSON.stringify(fault) })
  },
  async clear() {
    await fetch(`${inject("appStripeUrl")}/_proxy/faults`, { method: "DELETE" })
  },
  /** Stripe API calls the app has made so far. */
  async calls() {
    return ((await (await fetch(`${inject("appStripeUrl")}/_proxy/stats`)).json()) as { calls: number }).calls
  },
}

/** Makes the app's Stripe slow and rate-limited for the length of `fn` (scripts/lib/stripe-proxy.ts). */
export async function withStripeLimits<T>(
  config: { latencyMs?: number | [number, number]; rateLimit?: number },
  fn: () => Promise<T>,
): Promise<T> {
  const set = (c: object) => fetch(`${inject("appStripeUrl")}/_proxy/config`, { method: "POST", body: JSON.stringify(c) })
  await set(config)
  try {
    return await fn()
  } finally {
    await set({ latencyMs: 0, rateLimit: 0 })
    await clearStripeBackoff()
  }
}

/** Forgets a 429's shared backoff (lib/billing/sync/stripe-backoff.ts), so the next test's drains claim at once. */
export async function clearStripeBackoff() {
  await sql().query("delete from stripe_backoff")
  // Imported here, not at the top: this module loads before a test file points lib/env at its own
  // services (e.g. NEXT_PUBLIC_SUPABASE_URL), and an app import at the top would read lib/env first.
  const { resetLocalBackoff } = await import("@/lib/billing/sync/stripe-backoff")
  resetLocalBackoff()
}

export async function proxyStats() {
  return (await (await fetch(`${inject("appStripeUrl")}/_proxy/stats`)).json()) as { calls: number; limited: number }
}

/** Advances a Stripe test clock to `to` and waits until it is ready again (its renewals and retries ran). */
export async function advanceTestClock(stripe: Stripe, clock: string, to: number) {
  const { now } = await advanceInSteps(stripe, clock, to)
  if (now.status !== "ready" || now.frozen_time !== to)
    throw new Error(`test clock ${clock} is ${now.status} at ${now.frozen_time}, not ready at ${to}`)
}

/**
 * A Stripe customer for `user` on a fresh test clock frozen at now, with a working card as its default,
 * linked to the user as the app links customers (billing_customers).
 */
export async function customerOnTestClock(user: { id: string; email: string | null }) {
  const stripe = stripeClient()
  const start = Math.floor(Date.now() / 1000)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start })
  // A card of this person's own: one card shared by every suite would read as one card farming trials.
  const card = await stripe.paymentMethods.create({
    type: "card",
    card: { number: uniqueCardNumber(), exp_month: 12, exp_year: 2034, cvc: "123" },
  } as Stripe.PaymentMethodCreateParams)
  const customer = await stripe.customers.create({
    email: user.email ?? undefined,
    test_clock: clock.id,
    payment_method: card.id,
    metadata: { user_id: user.id },
  })
  const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id ?? ""
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } })
  await sql().query("insert into billing_customers (user_id, stripe_customer_id) values ($1, $2)", [user.id, customer.id])
  return { stripe, start, clock, customer }
}

export { uniqueCardNumber }

/** The Stripe emulator's own now (its timeline moves ahead of the wall clock when tests advance it). */
export async function emulatorNow(): Promise<number> {
  const res = await fetch(`${inject("stripeUrl")}/_emulator/clock`)
  return ((await res.json()) as { now: number }).now
}
