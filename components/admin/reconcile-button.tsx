"use client"
// "Reconcile now": opens a run (startReconciliation); the cron's next steps work through it.
import { startReconciliation } from "@/lib/actions/admin"
import { AdminActionButton } from "./action-button"

export function ReconcileNowButton() {
  return (
    <AdminActionButton
      label="Reconcile now"
      run={startReconciliation}
      success={(r) => (r.created ? `Run ${r.runId} queued; the cron works through it.` : `Run ${r.runId} is already under way.`)}
    />
  )
}
