"use server"
// Opens the Stripe Customer Portal for the signed-in user (optionally deep-linked to one step).
import { redirect } from "next/navigation"
import { z } from "zod"
import { getCurrentUser } from "@/lib/auth/current-user"
import { openPortal, PORTAL_FLOWS, type PortalFlow } from "@/lib/billing/portal/open-portal"
import { fail, type ActionResult } from "@/lib/result"

const options = z.object({ flow: z.enum(PORTAL_FLOWS).default("home") }).default({ flow: "home" })

export async function createCustomerPortalSession(input?: { flow?: PortalFlow }): Promise<ActionResult> {
  const parsed = options.safeParse(input ?? undefined)
  if (!parsed.success) return fail("invalid_input", "That billing page does not exist.")
  const user = await getCurrentUser()
  if (!user) return fail("unauthenticated", "Your session has ended. Please log in again.")
  const result = await openPortal(user, parsed.data.flow)
  if (!result.ok) return result
  redirect(result.url) // outside any try/catch: redirect() works by throwing
}
