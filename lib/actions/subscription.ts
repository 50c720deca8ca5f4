"use server"
// The manage page's own billing actions (everything else happens in Stripe's Customer Portal).
import { getCurrentUser } from "@/lib/auth/current-user"
import { resumePausedSubscription } from "@/lib/billing/portal/resume"
import { fail, type ActionResult } from "@/lib/result"

export async function resumeSubscription(): Promise<ActionResult> {
  const user = await getCurrentUser()
  if (!user) return fail("unauthenticated", "Your session has ended. Please log in again.")
  return resumePausedSubscription(user)
}
