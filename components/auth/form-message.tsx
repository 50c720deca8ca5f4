// The outcome of a form: the failure as an alert, the success as a status message.
import { Alert, AlertDescription } from "@/components/ui/alert"
import type { ActionResult } from "@/lib/result"

export function FormMessage({ state, success }: { state: ActionResult | null; success?: string }) {
  if (state && !state.ok)
    return (
      <Alert variant="destructive">
        <AlertDescription>{state.message}</AlertDescription>
      </Alert>
    )
  if (state?.ok && success)
    return (
      <Alert variant="success">
        <AlertDescription>{success}</AlertDescription>
      </Alert>
    )
  return null
}
