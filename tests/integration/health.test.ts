import { Pool } from "pg"
import Stripe from "stripe"
import { afterAll, describe, expect, inject, it } from "vitest"
import { GET } from "@/app/api/health/route"
import { pool } from "@/lib/db/client"
import { checkHealth } from "@/lib/billing/admin/health"
import { pingStripe } from "@/lib/stripe"
import { faults } from "../support/helpers"

afterAll(() => pool.end())

describe("/api/health", () => {
  it("reports the database and Stripe reachable, without a secret in sight", async () => {
    const res = await GET()
    expect(res.status).toBe(200)
    expect(res.headers.get("cache-control")).toBe("no-store")
    const text = await res.text()
    const body = JSON.parse(text)
    expect(body).toMatchObject({ status: "ok", checks: { database: { ok: true }, stripe: { ok: true, mode: "test" } } })
    expect(body.checks.database.latencyMs).toBeGreaterThanOrEqual(0)
    for (const secret of [inject("databaseUrl"), new URL(inject("databaseUrl")).host, inject("stripeUrl"), "sk_test", "whsec_"])
      expect(text).not.toContain(secret)
  })

  it("answers 503 naming which dependency is down, and why, in a word", async () => {
    const down = new Pool({ connectionString: "postgres://postgres:secret-password@127.0.0.1:9/postgres", connectionTimeoutMillis: 2000 })
    const anyKey = new Stripe("sk_test_wrong", {
      host: new URL(inject("stripeUrl")).hostname,
      port: new URL(inject("stripeUrl")).port,
      protocol: "http",
      maxNetworkRetries: 0,
    })
    try {
      const health = await checkHealth({ pool: down, pingStripe: () => pingStripe(anyKey), stripeMode: "test" })
      expect(health.status).toBe("degraded")
      expect(health.checks.database).toMatchObject({ ok: false, error: "unreachable" })
      expect(JSON.stringify(health)).not.toContain("secret-password")
      const offline = new Stripe("sk_test_x", { host: "127.0.0.1", port: 9, protocol: "http", maxNetworkRetries: 0 })
      expect((await checkHealth({ pool, pingStripe: () => pingStripe(offline), stripeMode: "test" })).checks.stripe).toMatchObject({
        ok: false,
        error: "unreachable",
      })
    } finally {
      await down.end()
    }
  })

  it("makes no Stripe call per request: twenty checks in a row cost at most one Stripe read (issue 23, item 3)", async () => {
    const before = await faults.calls()
    for (let i = 0; i < 20; i++) expect((await GET()).status).toBe(200)
    expect((await faults.calls()) - before).toBeLessThanOrEqual(1)
  })
})
