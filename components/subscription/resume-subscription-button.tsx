"use client"
// Resumes a paused subscription (charging the card on file for a new period). Disabled while working;
// the outcome is a toast in the action's own words, and the page re-renders with the new status.
import { Loader2 } from "@/components/ui/icons"
import { useRouter } from "next/navigation"
import { useTransition } from "react"
import { toast } from "@/components/ui/toast"
import { Button } from "@/components/ui/button"
import { resumeSubscription } from "@/lib/actions/subscription"

export function ResumeSubscriptionButton() {
  const router = useRouter()
  const [pending, start] = useTransition()
  const resume = () =>
    start(async () => {
      try {
        const result = await resumeSubscription()
        if (!result.ok) return void toast.error(result.message)
        toast.success("Your subscription is active again.")
        router.refresh()
      } catch {
        toast.error("We couldn't reach billing. Check your connection and try again.")
      }
    })
  return (
    <Button type="button" onClick={resume} disabled={pending} aria-busy={pending} data-testid="resume-subscription">
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      {pending ? "Resuming…" : "Resume subscription"}
    </Button>
  )
}
