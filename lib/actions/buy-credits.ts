"use server"
// "Buy credits": Stripe Checkout (mode=payment) for a credit pack; the drain grants the credits once it is paid.
import { redirect } from "next/navigation"
import { getCurrentUser } from "@/lib/auth/current-user"
import { buyCreditsInput, startCreditCheckout } from "@/lib/billing/credits/buy"
import { fail, type ActionResult } from "@/lib/result"

export async function buyCredits(input: unknown): Promise<ActionResult> {
  const parsed = buyCreditsInput.safeParse(input)
  if (!parsed.success) return fail("invalid_input", parsed.error.issues[0]?.message ?? "Choose a credit pack.")
  const user = await getCurrentUser()
  if (!user) return fail("unauthenticated", "Please log in to buy credits.")
  const result = await startCreditCheckout(user, parsed.data)
  if (!result.ok) return result
  redirect(result.url)
}
