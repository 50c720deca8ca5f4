"use server"
// Starts Stripe Checkout for the chosen plan, or sends a subscriber to manage what they have.
import { redirect } from "next/navigation"
import { getCurrentUser } from "@/lib/auth/current-user"
import { checkoutInput, startCheckout } from "@/lib/billing/checkout/start-checkout"
import { fail, type ActionResult } from "@/lib/result"

export async function createCheckoutSession(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  const parsed = checkoutInput.safeParse(Object.fromEntries(formData))
  if (!parsed.success) return fail("invalid_input", parsed.error.issues[0]?.message ?? "Check your choice and try again.")
  const user = await getCurrentUser()
  if (!user) return fail("unauthenticated", "Please log in to subscribe.")
  const result = await startCheckout(user, parsed.data)
  if (!result.ok) return result
  redirect(result.url)
}
