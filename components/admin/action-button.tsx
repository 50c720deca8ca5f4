"use client"
// One admin server action behind a button: pending while it runs, its result said as a toast. The
// replay, sync and reconcile buttons are this with their own label, action and success message.
import { Loader2 } from "@/components/ui/icons"
import { useTransition } from "react"
import { toast } from "@/components/ui/toast"
import { Button } from "@/components/ui/button"

type ActionResult = { ok: true } | { ok: false; message: string }

export function AdminActionButton<R extends ActionResult>({
  label,
  run,
  success,
}: {
  label: string
  run: () => Promise<R>
  success: (result: Extract<R, { ok: true }>) => string
}) {
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
          if (result.ok) toast.success(success(result as Extract<R, { ok: true }>))
          else toast.error((result as { message: string }).message)
        })
      }
    >
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      {label}
    </Button>
  )
}
