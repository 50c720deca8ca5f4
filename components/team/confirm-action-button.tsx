"use client"
// A destructive row action (remove a member, withdraw an invite, leave): asks once more in place,
// shows it is working, and says a refusal as a toast in the action's own words.
import { Loader2 } from "@/components/ui/icons"
import { useState, useTransition } from "react"
import { toast } from "@/components/ui/toast"
import { Button } from "@/components/ui/button"
import type { ActionResult } from "@/lib/result"

type Props = { label: string; confirmLabel: string; done: string; run: () => Promise<ActionResult>; describedBy?: string }

export function ConfirmActionButton({ label, confirmLabel, done, run, describedBy }: Props) {
  const [asking, setAsking] = useState(false)
  const [pending, start] = useTransition()
  if (!asking)
    return (
      <Button type="button" variant="outline" size="sm" onClick={() => setAsking(true)} aria-describedby={describedBy}>
        {label}
      </Button>
    )
  return (
    <span className="flex gap-2">
      <Button
        type="button"
        variant="destructive"
        size="sm"
        disabled={pending}
        aria-busy={pending}
        aria-describedby={describedBy}
        autoFocus
        onClick={() =>
          start(async () => {
            const result = await run()
            if (result.ok) toast.success(done)
            else toast.error(result.message)
            setAsking(false)
          })
        }
      >
        {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
        {confirmLabel}
      </Button>
      <Button type="button" variant="ghost" size="sm" disabled={pending} onClick={() => setAsking(false)}>
        Cancel
      </Button>
    </span>
  )
}
