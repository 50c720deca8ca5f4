"use server"
// The manage page's in-app plan change: preview, confirm, and cancel a change scheduled for the period's end.
import { revalidatePath } from "next/cache"
import { getCurrentUser } from "@/lib/auth/current-user"
import { cancelScheduledPlanChange, confirmPlan, previewPlan } from "@/lib/billing/plan-change/change-plan"
import type { PlanChangePreview } from "@/lib/billing/types"
import { fail, type ActionResult } from "@/lib/result"

const signedOut = () => fail("unauthenticated", "Your session has ended. Please log in again.")

export async function previewPlanChangeAction(target: {
  plan: string
  interval: string
}): Promise<ActionResult<{ preview: PlanChangePreview }>> {
  const user = await getCurrentUser()
  if (!user) return signedOut()
  return previewPlan(user, target)
}

/** The target and what the customer saw on its preview (see confirmPlan). */
export async function confirmPlanChangeAction(input: {
  plan: string
  interval: string
  itemId: string
  fromPriceId: string
  fromQuantity: number
  prorationDate: number
  amountDue: number
}): Promise<ActionResult<{ kind: "now" | "at_period_end" }>> {
  const user = await getCurrentUser()
  if (!user) return signedOut()
  const result = await confirmPlan(user, input)
  if (result.ok) revalidatePath("/subscription/manage")
  return result
}

export async function cancelScheduledPlanChangeAction(): Promise<ActionResult> {
  const user = await getCurrentUser()
  if (!user) return signedOut()
  const result = await cancelScheduledPlanChange(user)
  if (result.ok) revalidatePath("/subscription/manage")
  return result
}
