// Stripe failures in words a customer understands; the detail goes to the server log.
import "server-only"
import Stripe from "stripe"
import { fail, type ActionError } from "@/lib/actions/result"
import { log } from "@/lib/log"

export function stripeFailure(err: unknown, context: string, fields: Record<string, unknown> = {}): ActionError {
  log.error(`${context} failed`, { ...fields, error: err, stripeCode: (err as { code?: string }).code, requestId: (err as { requestId?: string }).requestId })
  if (err instanceof Stripe.errors.StripeRateLimitError) return fail("stripe_rate_limited", "Billing is busy right now. Please try again in a minute.")
  if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError)
    return fail("stripe_unavailable", "Billing is temporarily unavailable. Please try again in a few minutes.")
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError)
    return fail("stripe_misconfigured", "Billing is not set up correctly. Please contact support.")
  return fail("stripe_error", "Something went wrong with billing. Please try again, or contact support if it keeps happening.")
}
