import Stripe from "stripe"
import { describe, expect, it, vi } from "vitest"
import { stripeFailure } from "@/lib/stripe/errors"

describe("stripeFailure", () => {
  it("turns Stripe's failures into words a customer understands, and logs the detail", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {})
    const raw = (type: string) => ({ type, message: `internal detail ${type}`, statusCode: 500 }) as never
    expect(stripeFailure(new Stripe.errors.StripeRateLimitError(raw("rate_limit_error")), "portal session")).toMatchObject({ ok: false, code: "stripe_rate_limited" })
    expect(stripeFailure(new Stripe.errors.StripeConnectionError(raw("api_connection_error")), "portal session")).toMatchObject({ code: "stripe_unavailable" })
    expect(stripeFailure(new Stripe.errors.StripeAuthenticationError(raw("authentication_error")), "portal session")).toMatchObject({ code: "stripe_misconfigured" })
    const generic = stripeFailure(new Stripe.errors.StripeInvalidRequestError(raw("invalid_request_error")), "portal session", { userId: "u1" })
    expect(generic.code).toBe("stripe_error")
    expect(generic.message).not.toContain("internal detail")
    expect(String(spy.mock.calls.at(-1)?.[0])).toContain('"userId":"u1"')
    spy.mockRestore()
  })
})
