// Stripe's real limits reach the drain: latency and 429s are retried, nothing dies, nothing is lost.
import { afterAll, describe, expect, it } from "vitest"
import type Stripe from "stripe"
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { pool } from "@/lib/db/client"
import { eventsFor, proxyStats, signedRequest, sql, withStripeLimits } from "../support/helpers"
import { subscribedUser } from "../support/billing"

afterAll(() => pool.end())

describe("the drain under Stripe's rate limit", () => {
  it("retries 429s with backoff until every event is applied, none dead", async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => subscribedUser()))
    const events: Stripe.Event[] = []
    for (const u of users) events.push(...(await eventsFor(u.stripe, u.customerId)))
    const ids = events.map((e) => e.id)
    await sql().query("delete from subscription_events where stripe_event_id = any($1)", [ids])
    for (const e of events) await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
    const before = await proxyStats()
    await withStripeLimits({ latencyMs: [20, 60], rateLimit: 4 }, async () => {
      const deadline = Date.now() + 100_000
      for (;;) {
        await drainBillingEvents({ concurrency: 8 })
        const { rows } = await sql().query(
          "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is null",
          [ids],
        )
        if (rows[0].n === 0 || Date.now() > deadline) break
        await new Promise((r) => setTimeout(r, 250))
      }
    })
    const after = await proxyStats()
    expect(after.limited - before.limited).toBeGreaterThan(0) // the limit was really hit
    const { rows } = await sql().query(
      "select count(*) filter (where processed_at is not null)::int applied, count(*) filter (where dead_at is not null)::int dead, max(attempts)::int most from subscription_events where stripe_event_id = any($1)",
      [ids],
    )
    expect(rows[0]).toMatchObject({ applied: new Set(ids).size, dead: 0 })
    expect(rows[0].most).toBeGreaterThan(0) // some were retried
  }, 120_000)
})
