"use client"
// Replay one dead event, or every dead one: the server actions of lib/actions/admin.ts, with the
// result said as a toast.
import { Loader2 } from "lucide-react"
import { useTransition } from "react"
import { toast } from "sonner"
import { Button } from "@/components/ui/button"
import { replayAllDead, replayEvent } from "@/lib/actions/admin"
import type { ReplayResult } from "@/lib/actions/admin"

function ActionButton({ label, run }: { label: string; run: () => Promise<ReplayResult> }) {
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
          const result = await run()
          if (result.ok) toast.success(`${result.replayed} event(s) due again; the next drain applies them.`)
          else toast.error(result.message)
        })
      }
    >
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      {label}
    </Button>
  )
}

export function ReplayEventButton({ id }: { id: string }) {
  return <ActionButton label="Replay" run={() => replayEvent(id)} />
}

export function ReplayAllDeadButton() {
  return <ActionButton label="Replay all dead" run={() => replayAllDead()} />
}
