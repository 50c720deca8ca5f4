// Issue 14: a Postgres restart must not kill the emulators. Both run as their own processes (as under
// `npm run dev`) next to their own throwaway PostgreSQL server, which is stopped for a few seconds
// while a user signs in through supabase-js and the app's Stripe calls go through the stripe SDK.
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createClient } from "@supabase/supabase-js"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { DEFAULT_SECRET_KEY } from "@subkit/stripe-emulator"
import { LOCAL_PUBLISHABLE_KEY } from "@subkit/supabase-auth-emulator"
import { startPostgresServer, type LocalDb } from "../../scripts/lib/local-db"
import { migrate } from "../../scripts/lib/migrate"
import { spawnService, type ServiceProcess } from "../support/service-process"

let db: LocalDb
let auth: ServiceProcess
let stripe: ServiceProcess
let stripeState: string
const stripeSdk = () => {
  const url = new URL(stripe.url)
  return new Stripe(DEFAULT_SECRET_KEY, { host: url.hostname, port: url.port, protocol: "http", maxNetworkRetries: 0 })
}
const sb = () =>
  createClient(auth.url, LOCAL_PUBLISHABLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  })
const health = async () => {
  const res = await fetch(`${auth.url}/auth/v1/health`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  db = await startPostgresServer()
  await migrate(db.url)
  auth = await spawnService("packages/supabase-auth-emulator/src/main.ts", { DATABASE_URL: db.url }, "AUTH_EMULATOR_PORT")
  stripeState = mkdtempSync(path.join(os.tmpdir(), "subkit-stripe-"))
  stripe = await spawnService(
    "packages/stripe-emulator/src/main.ts",
    { STRIPE_EMULATOR_STATE: path.join(stripeState, "state.json") },
    "STRIPE_EMULATOR_PORT",
  )
}, 180_000)
afterAll(async () => {
  await auth?.stop()
  await stripe?.stop()
  if (stripeState) rmSync(stripeState, { recursive: true, force: true })
  await db?.stop()
})

async function price() {
  const product = await stripeSdk().products.create({ name: "Outage plan" })
  return stripeSdk().prices.create({ product: product.id, currency: "usd", unit_amount: 900, recurring: { interval: "month" } })
}

describe("the emulators across a Postgres restart", () => {
  it("Auth answers GoTrue's 503 while the database is down and signs in again once it is back; Stripe keeps serving; no process restarts", async () => {
    const { halt, resume } = db
    if (!halt || !resume) throw new Error("startPostgresServer must support halt/resume")
    const email = `outage-${Date.now()}@example.com`
    const signedUp = await sb().auth.signUp({ email, password: "correct horse" })
    expect(signedUp.error).toBeNull()
    const first = await sb().auth.signInWithPassword({ email, password: "correct horse" })
    expect(first.error).toBeNull()
    expect(await health()).toMatchObject({ status: 200, body: { database: "ok" } })
    const customer = await stripeSdk().customers.create({ email })

    // The pool now holds idle connections; a fast shutdown terminates them ("administrator command").
    await halt()
    await new Promise((r) => setTimeout(r, 1_000))
    expect(auth.exitCode()).toBeNull()

    const during = await sb().auth.signInWithPassword({ email, password: "correct horse" })
    expect(during.data.session).toBeNull()
    expect(during.error?.status).toBe(503)
    // supabase-js treats 502/503/504 as retryable: a refresh during the outage keeps the session.
    expect(during.error?.name).toBe("AuthRetryableFetchError")

    const raw = await fetch(`${auth.url}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: LOCAL_PUBLISHABLE_KEY, "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse" }),
    })
    expect(raw.status).toBe(503)
    expect(raw.headers.get("x-sb-error-code")).toBe("unexpected_failure")
    expect(raw.headers.get("retry-after")).toBeTruthy()
    expect(await raw.json()).toEqual({ code: "unexpected_failure", message: expect.stringMatching(/database/i) })

    // (supabase-js's refreshSession would retry a 503 with backoff for ~30 s: ask directly.)
    const refresh = await fetch(`${auth.url}/auth/v1/token?grant_type=refresh_token`, {
      method: "POST",
      headers: { apikey: LOCAL_PUBLISHABLE_KEY, "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: first.data.session?.refresh_token }),
    })
    expect(refresh.status).toBe(503)
    expect(await health()).toMatchObject({ status: 503, body: { database: "unavailable" } })
    // The Stripe emulator keeps no state in Postgres: its API and health answer throughout.
    const card = await stripeSdk().paymentMethods.attach("pm_card_visa", { customer: customer.id })
    const sub = await stripeSdk().subscriptions.create({
      customer: customer.id,
      items: [{ price: (await price()).id }],
      default_payment_method: card.id,
    })
    expect(sub.status).toBe("active")
    expect(await (await fetch(`${stripe.url}/_emulator/health`)).json()).toMatchObject({ ok: true, database: "none", state: "file" })
    await new Promise((r) => setTimeout(r, 3_000))
    expect(auth.exitCode()).toBeNull()

    await resume()
    // Postgres accepts connections a moment after its port opens ("the database system is starting up").
    await expect.poll(async () => (await health()).status, { timeout: 15_000, interval: 200 }).toBe(200)
    const after = await sb().auth.signInWithPassword({ email, password: "correct horse" })
    expect(after.error).toBeNull()
    expect(after.data.user?.email).toBe(email)
    const renewed = await sb().auth.refreshSession({ refresh_token: first.data.session?.refresh_token ?? "" })
    expect(renewed.error).toBeNull()
    expect((await stripeSdk().subscriptions.retrieve(sub.id)).customer).toBe(customer.id)
    expect(auth.exitCode()).toBeNull()
    expect(stripe.exitCode()).toBeNull()
    expect(auth.output()).toMatch(/database connection lost/)
    expect(auth.output()).toMatch(/database connection restored/)
  }, 60_000)
})
