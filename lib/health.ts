// What /api/health reports: can this instance reach its database and Stripe, and how fast. Only
// outcomes and error classes, never a message, host, key or connection string.
import "server-only"
import Stripe from "stripe"
import type { Pool } from "pg"
import { log } from "@/lib/log"

export type Check = { ok: boolean; latencyMs: number; error?: "timeout" | "unreachable" | "authentication_failed" | "error" }
export type Health = { status: "ok" | "degraded"; checks: { database: Check; stripe: Check & { mode: "live" | "test" } } }

const TIMEOUT_MS = 5_000

async function timed(name: string, probe: () => Promise<unknown>, classify: (err: unknown) => NonNullable<Check["error"]>): Promise<Check> {
  const started = performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new HealthTimeout()), TIMEOUT_MS)))])
    return { ok: true, latencyMs: Math.round(performance.now() - started) }
  } catch (err) {
    log.warn(`health: ${name} check failed`, { error: err })
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: err instanceof HealthTimeout ? "timeout" : classify(err) }
  } finally {
    clearTimeout(timer)
  }
}

class HealthTimeout extends Error {}

function databaseError(err: unknown): NonNullable<Check["error"]> {
  const code = (err as { code?: string }).code ?? ""
  if (code === "28P01" || code === "28000") return "authentication_failed"
  if (/^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|57P0[1-3])$/.test(code)) return "unreachable"
  return "error"
}

function stripeError(err: unknown): NonNullable<Check["error"]> {
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) return "authentication_failed"
  if (err instanceof Stripe.errors.StripeConnectionError) return "unreachable"
  return "error"
}

export async function checkHealth(deps: { pool: Pool; stripe: Stripe; stripeMode: "live" | "test" }): Promise<Health> {
  const [database, stripe] = await Promise.all([
    timed("database", () => deps.pool.query("select 1"), databaseError),
    // The cheapest authenticated read any key that can run subkit may do.
    timed("stripe", () => deps.stripe.products.list({ limit: 1 }), stripeError),
  ])
  return { status: database.ok && stripe.ok ? "ok" : "degraded", checks: { database, stripe: { ...stripe, mode: deps.stripeMode } } }
}
