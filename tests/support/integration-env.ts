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
// Every file's emails go to the one shared sink (integration-global.ts), from one sender, with one retry budget:
// a row may be sent by any file's flush, so every process must send it alike.
process.env.SMTP_URL = inject("smtpUrl")
process.env.EMAIL_FROM = "subkit Billing <billing@subkit.test>"
process.env.EMAIL_MAX_ATTEMPTS = "3"
process.env.DATABASE_POOL_MAX = "20"
// The older suites drive paid subscriptions from the first charge; checkout-trial.test.ts turns trials on.
process.env.BILLING_TRIALS = "off"
