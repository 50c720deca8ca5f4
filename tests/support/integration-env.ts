// Points lib/env at the shared test services before any app module loads.
import { inject } from "vitest"

process.env.DATABASE_URL = inject("databaseUrl")
process.env.STRIPE_API_BASE = inject("appStripeUrl")
process.env.STRIPE_SECRET_KEY = inject("stripeSecretKey")
// Events are applied as soon as they are stored; the coalescing window has a test of its own.
process.env.BILLING_COALESCE_MS = "0"
process.env.STRIPE_WEBHOOK_SECRET = "whsec_integration_tests"
process.env.NEXT_PUBLIC_APP_URL = "http://localhost:3999"
process.env.LOG_LEVEL = "silent"
process.env.DATABASE_POOL_MAX = "20"
// The older suites drive paid subscriptions from the first charge; checkout-trial.test.ts turns trials on.
process.env.BILLING_TRIALS = "off"
