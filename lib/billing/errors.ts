// Provider failures in words a customer understands; the detail goes to the server log.
import "server-only"
import { log } from "@/lib/log"
import { fail, type ActionError } from "@/lib/result"
import { BillingProviderError } from "./types"

/** What the customer sees when Stripe Tax needs their billing address (no address, or one it cannot place). */
export const TAX_ADDRESS_REQUIRED =
  "Tax can't be calculated without your billing address. Add it in the billing portal (Manage billing → Billing information), then try again."

export function billingFailure(err: unknown, context: string, fields: Record<string, unknown> = {}): ActionError {
  const e =
    err instanceof BillingProviderError ? err : new BillingProviderError("unknown", err instanceof Error ? err.message : String(err))
  log.error(`${context} failed`, { ...fields, kind: e.kind, error: e.message, ...e.detail })
  // Stripe Tax (STRIPE_TAX) cannot place the customer: they can fix it themselves.
  if (e.detail.code === "customer_tax_location_invalid") return fail("tax_address_required", TAX_ADDRESS_REQUIRED)
  switch (e.kind) {
    case "rate_limited":
      return fail("stripe_rate_limited", "Billing is busy right now. Please try again in a minute.")
    case "unavailable":
      return fail("stripe_unavailable", "Billing is temporarily unavailable. Please try again in a few minutes.")
    case "declined":
      return fail("card_declined", "Your card was declined. Update your payment method and try again.")
    case "misconfigured":
      return fail("stripe_misconfigured", "Billing is not set up correctly. Please contact support.")
    default:
      return fail("stripe_error", "Something went wrong with billing. Please try again, or contact support if it keeps happening.")
  }
}
