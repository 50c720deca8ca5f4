// The entry to lib/stripe, the one adapter that speaks Stripe: the rest of the app imports from
// "@/lib/stripe" only (ESLint's no-restricted-imports forbids its files). What it returns is typed with
// the domain's vocabulary (lib/billing/types.ts), never the SDK's.
// Scripts (run outside Next, where "server-only" throws) import the pure modules directly:
// client-options.ts, portal-configuration.ts and events/handlers.ts.
import "server-only"

export { createSubscriptionCheckout, expireCheckoutSession, getCheckoutSession, type SubscriptionCheckout } from "./checkout"
export { STRIPE_API_VERSION } from "./client-options"
export { createCreditCheckout, createCreditGrant, readCreditBalance, type CreditCheckout } from "./credits"
export { createCustomer, readCustomer } from "./customers"
export { toProviderError } from "./errors"
export { HANDLED_EVENT_TYPES, intentOf, type HandledEventType } from "./events"
export { pingStripe, stripeFailureClass } from "./health"
export { openSubscriptionInvoices, payInvoice, previewUsageCharge, readInvoices } from "./invoices"
export { meterTotal, priceIdByLookupKey, sendMeterEvent } from "./meters"
export { createPortalSession, getMinSeatsPortalConfigurationId, getPortalConfigurationId } from "./portal"
export type { PlanPrices } from "./portal-configuration"
export { applyPlanChange, planChangeNow, previewPlanChange, releaseSchedule, schedulePlanChange } from "./plan-change"
export { resumeSubscription } from "./resume"
export { changeSeats, endTrialNow, previewSeatChange, seatChangeNow } from "./seats"
export { interpretEvent, verifyWebhook } from "./webhooks"
export { listSubscriptionPage, type SubscriptionPage } from "./subscription-pages"
