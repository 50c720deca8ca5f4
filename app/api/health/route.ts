// Health check for uptime monitors and load balancers: database and Stripe reachability, no secrets.
import { currentHealth } from "@/lib/billing/admin/health"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export async function GET() {
  const health = await currentHealth()
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } })
}
