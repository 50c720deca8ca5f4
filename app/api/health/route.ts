// Health check for uptime monitors and load balancers: database and Stripe reachability, no secrets.
import { pool } from "@/lib/db/client"
import { env } from "@/lib/env"
import { checkHealth } from "@/lib/health"
import { stripe } from "@/lib/stripe/config"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export async function GET() {
  const health = await checkHealth({ pool, stripe, stripeMode: env.stripeMode })
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } })
}
