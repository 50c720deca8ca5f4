// Stripe webhook endpoint: verified, recorded once, synced into Postgres.
import { receiveStripeWebhook } from "@/lib/stripe/receive-webhook"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export const POST = receiveStripeWebhook
