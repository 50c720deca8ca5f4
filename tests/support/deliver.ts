// Delivers every event Stripe has for a customer to the app's webhook route (signed), then drains the
// inbox: what production does, without waiting on a scheduled drain. Imports app modules (and so reads
// the configuration): suites that set the environment first must import it after doing so.
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { eventsFor, signedRequest, stripeClient } from "./helpers"

export async function deliverCustomerEvents(customer: string) {
  for (const e of await eventsFor(stripeClient(), customer))
    await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
  await drainBillingEvents()
}
