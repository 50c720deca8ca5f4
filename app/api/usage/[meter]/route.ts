// Records usage of a meter for the signed-in user (the demo feature and load tests call it).
import { after } from "next/server"
import { getCurrentUser } from "@/lib/auth/current-user"
import { flushUsageSoon } from "@/lib/billing/usage/flush-soon"
import { handleUsageRequest } from "@/lib/billing/usage/usage-request"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export async function POST(request: Request, { params }: { params: Promise<{ meter: string }> }) {
  const [{ meter }, user] = await Promise.all([params, getCurrentUser()])
  const response = await handleUsageRequest(request, meter, user?.id ?? null)
  // Stripe hears of the usage after the response, batched (the outbox row is already committed).
  if (response.status === 200) after(flushUsageSoon)
  return response
}
