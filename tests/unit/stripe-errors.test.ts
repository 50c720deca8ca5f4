import Stripe from "stripe"
import { describe, expect, it, vi } from "vitest"
import { billingFailure } from "@/lib/billing/errors"
import { toProviderError } from "@/lib/stripe/errors"

describe("provider errors", () => {
  const raw = (type: string, statusCode: number, code?: string) => ({ type, message: `internal detail ${type}`, statusCode, code }) as never

  it("classifies Stripe's failures: what to retry, what is the customer's card, what is missing", () => {
    expect(toProviderError(new Stripe.errors.StripeRateLimitError(raw("rate_limit_error", 429)))).toMatchObject({
      kind: "rate_limited",
      retryable: true,
    })
    expect(toProviderError(new Stripe.errors.StripeConnectionError(raw("api_connection_error", 0)))).toMatchObject({
      kind: "unavailable",
      retryable: true,
    })
    expect(toProviderError(new Stripe.errors.StripeAPIError(raw("api_error", 500)))).toMatchObject({ kind: "unavailable", retryable: true })
    expect(toProviderError(new Stripe.errors.StripeAuthenticationError(raw("authentication_error", 401)))).toMatchObject({
      kind: "misconfigured",
      retryable: false,
    })
    expect(toProviderError(new Stripe.errors.StripeCardError(raw("card_error", 402, "card_declined")))).toMatchObject({
      kind: "declined",
      retryable: false,
    })
    expect(
      toProviderError(new Stripe.errors.StripeInvalidRequestError(raw("invalid_request_error", 404, "resource_missing"))),
    ).toMatchObject({ kind: "not_found", retryable: false })
    expect(toProviderError(new Error("socket hang up"))).toMatchObject({ kind: "unknown", retryable: true })
  })

  it("turns them into words a customer understands, and logs the detail", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {})
    const fail = (e: unknown) => billingFailure(toProviderError(e), "portal session", { userId: "u1" })
    expect(fail(new Stripe.errors.StripeRateLimitError(raw("rate_limit_error", 429)))).toMatchObject({
      ok: false,
      code: "stripe_rate_limited",
    })
    expect(fail(new Stripe.errors.StripeConnectionError(raw("api_connection_error", 0)))).toMatchObject({ code: "stripe_unavailable" })
    expect(fail(new Stripe.errors.StripeAuthenticationError(raw("authentication_error", 401)))).toMatchObject({
      code: "stripe_misconfigured",
    })
    const generic = fail(new Stripe.errors.StripeInvalidRequestError(raw("invalid_request_error", 400)))
    expect(generic.code).toBe("stripe_error")
    expect(generic.message).not.toContain("internal detail")
    expect(String(spy.mock.calls.at(-1)?.[0])).toContain('"userId":"u1"')
    spy.mockRestore()
  })
})
