// What /api/health reports: can this instance reach its database and Stripe, and how fast. Only
// outcomes and error classes, never a message, host, key or connection string.
import "server-only"
import type { Pool } from "pg"
import { pool } from "@/lib/db/client"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { pingStripe, stripeFailureClass } from "@/lib/stripe"

export type Check = { ok: boolean; latencyMs: number; error?: "timeout" | "unreachable" | "authentication_failed" | "error" }
export type Health = { status: "ok" | "degraded"; checks: { database: Check; stripe: Check & { mode: "live" | "test" } } }

const TIMEOUT_MS = 5_000

class HealthTimeout extends Error {}

async function timed(name: string, probe: () => Promise<unknown>, classify: (err: unknown) => NonNullable<Check["error"]>): Promise<Check> {
  const started = performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new HealthTimeout()), TIMEOUT_MS)))])
    return { ok: true, latencyMs: Math.round(performance.now() - started) }
  } catch (err) {
    log.warn(`health: ${name} check failed`, { error: err })
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: err instanceof HealthTimeout ? "timeout" : classify(err),
    }
  } finally {
    clearTimeout(timer)
  }
}

function databaseFailureClass(err: unknown): NonNullable<Check["error"]> {
  const code = (err as { code?: string }).code ?? ""
  if (code === "28P01" || code === "28000") return "authentication_failed"
  if (/^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|57P0[1-3])$/.test(code)) return "unreachable"
  return "error"
}

export async function checkHealth(deps: { pool: Pool; pingStripe: () => Promise<unknown>; stripeMode: "live" | "test" }): Promise<Health> {
  const [database, stripe] = await Promise.all([
    timed("database", () => deps.pool.query("select 1"), databaseFailureClass),
    timed("stripe", deps.pingStripe, stripeFailureClass),
  ])
  return { status: database.ok && stripe.ok ? "ok" : "degraded", checks: { database, stripe: { ...stripe, mode: deps.stripeMode } } }
}

/**
 * How long a Stripe check's outcome is reused. Stripe's rate limit is account-wide and not the health
 * route's to spend: an uptime monitor (or anyone, the route is public) polling every second costs at
 * most one Stripe read per instance per window. A failure is reused for a shorter time.
 */
export const STRIPE_CHECK_TTL_MS = 60_000
const STRIPE_FAILURE_TTL_MS = 10_000

let stripeCheck: { at: number; result: Promise<void>; failed: boolean } | null = null

/** One Stripe ping per window, shared by every request of this instance (a failed ping rejects, as the probe expects). */
function cachedPingStripe(now = Date.now()): Promise<void> {
  if (stripeCheck && now - stripeCheck.at < (stripeCheck.failed ? STRIPE_FAILURE_TTL_MS : STRIPE_CHECK_TTL_MS)) return stripeCheck.result
  const entry = { at: now, failed: false, result: pingStripe() }
  entry.result.catch(() => (entry.failed = true))
  stripeCheck = entry
  return entry.result
}

/** This instance's health, with its own pool and Stripe client; the Stripe half is cached (STRIPE_CHECK_TTL_MS). */
export function currentHealth(): Promise<Health> {
  return checkHealth({ pool, pingStripe: () => cachedPingStripe(), stripeMode: env.stripeMode })
}
