// Stripe SDK errors become the domain's BillingProviderError, so nothing past the adapter needs the SDK.
import "server-only"
import Stripe from "stripe"
import { BillingProviderError } from "@/lib/billing/types"

export function toProviderError(err: unknown): BillingProviderError {
  if (err instanceof BillingProviderError) return err
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new BillingProviderError("unknown", err instanceof Error ? err.message : String(err))
  }
  const detail = { code: err.code, requestId: err.requestId, status: err.statusCode }
  if (err instanceof Stripe.errors.StripeRateLimitError || err.statusCode === 429)
    return new BillingProviderError("rate_limited", err.message, { ...detail, retryAfterSeconds: retryAfter(err.headers) })
  if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError || (err.statusCode ?? 0) >= 500)
    return new BillingProviderError("unavailable", err.message, detail)
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError)
    return new BillingProviderError("misconfigured", err.message, detail)
  if (err instanceof Stripe.errors.StripeCardError) return new BillingProviderError("declined", err.message, detail)
  if (err.code === "resource_missing" || err.statusCode === 404) return new BillingProviderError("not_found", err.message, detail)
  return new BillingProviderError("invalid", err.message, detail)
}

/** Stripe's Retry-After, in seconds, when a 429 carries one (delta-seconds or an HTTP date). */
function retryAfter(headers: Record<string, unknown> | undefined): number | undefined {
  const value = headers?.["retry-after"]
  if (typeof value !== "string" || !value.trim()) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000)
}

/** Runs one SDK call and rethrows its failure as a BillingProviderError. */
export async function stripeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw toProviderError(err)
  }
}
