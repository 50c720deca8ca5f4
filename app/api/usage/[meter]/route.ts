// Records usage of a meter for the signed-in user (the demo feature and load tests call it).
import { getCurrentUser } from "@/lib/auth/current-user"
import { handleUsageRequest } from "@/lib/billing/usage/usage-request"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export async function POST(request: Request, { params }: { params: Promise<{ meter: string }> }) {
  const [{ meter }, user] = await Promise.all([params, getCurrentUser()])
  return handleUsageRequest(request, meter, user?.id ?? null)
}
