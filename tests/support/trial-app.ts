// What the free-trial browser suite needs beyond browser.ts: a second `next start` of the same build
// with trials on, the Stripe SDK against the emulator, and customers that live on a test clock.
import Stripe from "stripe"
import { afterAll, beforeAll, expect, inject } from "vitest"
import { freePort } from "../../scripts/lib/local-db"
import { startApp, type AppProcess } from "./app-process"
import { db, emulator, inboxSettled } from "./browser"
import { must } from "./must"
import { advanceInSteps } from "./test-clock"

/**
 * The main browser app runs with BILLING_TRIALS=off so the other suites see a first charge. This one
 * shares its stack (database, emulators; Stripe's webhooks still go to the main app, whose pipeline
 * does not depend on the trial setting) and differs only in what the trial needs. Returns its origin.
 */
export function trialApp(env: Record<string, string> = {}): () => string {
  let app: AppProcess | undefined
  beforeAll(async () => {
    const port = await freePort()
    const origin = `http://localhost:${port}`
    // Checkout's success and cancel URLs come back to this instance.
    app = await startApp(port, { ...inject("e2eAppEnv"), NEXT_PUBLIC_APP_URL: origin, BILLING_TRIALS: "on", ...env })
  })
  afterAll(async () => {
    await app?.kill()
  })
  return () => must(app, "trial app").url
}

let client: Stripe | undefined
export function stripe(): Stripe {
  const url = new URL(inject("e2eStripeUrl"))
  client ??= new Stripe(must(inject("e2eAppEnv").STRIPE_SECRET_KEY, "STRIPE_SECRET_KEY"), {
    host: url.hostname,
    port: url.port,
    protocol: "http",
    maxNetworkRetries: 0,
  })
  return client
}

/**
 * The app creates a user's Stripe customer on their first Checkout (lib/billing/checkout/customer.ts) with no
 * test clock, and app code has no test-only branch to add one. So the test does the app's part first,
 * as the app would: a customer with the user's email and `metadata.user_id`, here on a test clock
 * frozen at the emulator's now (hosted Checkout runs at the emulator's time), and the same
 * billing_customers row. The app's Checkout then finds the mapping and uses this customer.
 * `frozenTime`: another start (the app's own clock is the wall clock: a dunning grace ends by it).
 */
export async function customerOnClock(email: string, frozenTime?: number) {
  const res = await fetch(`${inject("e2eStripeUrl")}/_emulator/clock`)
  const { now } = (await res.json()) as { now: number }
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: frozenTime ?? now, name: email })
  const { rows } = await db().query<{ id: string }>("select id from users where email = $1", [email])
  const userId = must(rows[0], `user ${email}`).id
  const customer = await stripe().customers.create({ email, test_clock: clock.id, metadata: { user_id: userId } })
  await db().query("insert into billing_customers (user_id, stripe_customer_id, email) values ($1, $2, $3)", [userId, customer.id, email])
  return { clock: clock.id, customer: customer.id, userId }
}

/** Advances a test clock, waits until it is ready, then until every resulting webhook is applied. */
export async function advanceClock(clock: string, to: number) {
  // In steps Stripe allows, each waited for until the clock is ready.
  const { now } = await advanceInSteps(stripe(), clock, to, { pollMs: 50, tries: 300 })
  expect(now).toMatchObject({ status: "ready", frozen_time: to })
  await emulator("webhooks/drain")
  // A trial's end is the busiest moment of these suites (renewal, invoice, entitlements for each customer on
  // the clock) and runs beside the integration suites: 3 events were once still unapplied at 30 s (CI, 12:24).
  await inboxSettled(60_000)
}

/** Waits until Stripe's events so far are applied (after an API call the app did not make). */
export async function settled() {
  await emulator("webhooks/drain")
  await inboxSettled()
}

const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" })
export const day = (unix: number) => DATE.format(new Date(unix * 1000))
export const DAY = 86_400
