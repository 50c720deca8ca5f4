// The REST API: /v1 routes for the resources subkit uses, and the /v2 meter event stream, with Stripe's
// parameters and errors.
// Each resource lives in resources/; this file only assembles the route table.
import { prices, products } from "./resources/catalog"
import { checkout, paymentIntents } from "./resources/checkout"
import { coupons, promotionCodes } from "./resources/coupons"
import { credits } from "./resources/credits"
import { customers, paymentMethods, taxIds } from "./resources/customers"
import { entitlements } from "./resources/entitlements"
import { events } from "./resources/events"
import { invoicePreview } from "./resources/invoice-preview"
import { meterStream } from "./resources/meter-stream"
import { meters } from "./resources/meters"
import { portal } from "./resources/portal"
import type { Handler } from "./resources/shared"
import { subscriptionSchedules } from "./resources/subscription-schedules"
import { subscriptions } from "./resources/subscriptions"
import { testClocks } from "./resources/test-clocks"
import { taxRates } from "./resources/tax-rates"

export type { Handler } from "./resources/shared"
export { attachPaymentMethod, createCustomer, createPaymentMethod, createTaxId, updateCustomer } from "./resources/customers"

export const routes: Record<string, Handler> = {
  ...products,
  ...prices,
  ...customers,
  ...taxIds,
  ...paymentMethods,
  ...checkout,
  ...paymentIntents,
  ...subscriptions,
  ...subscriptionSchedules,
  ...invoicePreview,
  ...portal,
  ...events,
  ...testClocks,
  ...entitlements,
  ...coupons,
  ...promotionCodes,
  ...meters,
  ...meterStream,
  ...credits,
  ...taxRates,
}
