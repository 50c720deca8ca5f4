// Stripe webhook endpoint: verified, stored once, acknowledged; applied after the response.
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export const POST = (request: Request) => receiveStripeWebhook(request)
