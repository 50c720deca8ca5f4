// Stripe under load: latency on every API call and a per-second request limit answered with 429.
import { invalid } from "./errors"

export type Latency = number | [number, number] | string | undefined

/** `150`, `[100, 300]`, "150" or "100-300" → a function drawing a delay in ms; null for none. */
export function parseLatency(value: Latency): (() => number) | null {
  if (value === undefined || value === "" || value === 0) return null
  let range: [number, number]
  if (typeof value === "number") range = [value, value]
  else if (Array.isArray(value)) range = value
  else {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(value)
    if (!m) throw new Error(`STRIPE_EMULATOR_LATENCY_MS must be "150" or "100-300", got "${value}"`)
    range = [Number(m[1]), Number(m[2] ?? m[1])]
  }
  const [min, max] = range
  if (!(min >= 0 && max >= min)) throw invalid("latency", `invalid latency range ${min}-${max}`)
  if (max === 0) return null
  return () => min + Math.random() * (max - min)
}

/** A sliding one-second window: at most `perSecond` requests in any second, as Stripe's rate limiter. */
export class RateLimiter {
  private stamps: number[] = []
  constructor(private perSecond: number) {
    if (!(perSecond > 0)) throw new Error(`STRIPE_EMULATOR_RATE_LIMIT must be a positive number, got ${perSecond}`)
  }

  take(now = Date.now()): boolean {
    while (this.stamps.length && (this.stamps[0] as number) <= now - 1000) this.stamps.shift()
    if (this.stamps.length >= this.perSecond) return false
    this.stamps.push(now)
    return true
  }
}
