// Cron: drains the webhook inbox (what after() missed: crash, deploy, timeout) and prunes old payloads.
import { runBillingCron } from "@/lib/billing/sync/cron"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"
// Vercel stops a function at its limit; the drain's budget stays well inside it.
export const maxDuration = 60

export const GET = (request: Request) => runBillingCron(request)
