"use client"
// "Reconcile now": opens a run (startReconciliation); the cron's next steps work through it.
import { Loader2 } from "lucide-react"
import { useTransition } from "react"
import { toast } from "sonner"
import { Button } from "@/components/ui/button"
import { startReconciliation } from "@/lib/actions/admin"

export function ReconcileNowButton() {
  const [pending, start] = useTransition()
  return (
    <Button
      type="button"
      size="sm"
      variant="outline"
      disabled={pending}
      aria-busy={pending}
      onClick={() =>
        start(async () => {
          const result = await startReconciliation()
          if (result.ok)
            toast.success(
              result.created ? `Run ${result.runId} queued; the cron works through it.` : `Run ${result.runId} is already under way.`,
            )
          else toast.error(result.message)
        })
      }
    >
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      Reconcile now
    </Button>
  )
}
