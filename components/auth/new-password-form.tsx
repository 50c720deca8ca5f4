"use client"
// A new password, typed twice: resetting a forgotten one, or changing it from the account page.
import { useActionState } from "react"
import type { ActionResult } from "@/lib/result"
import { FormField } from "./form-field"
import { FormMessage } from "./form-message"
import { SubmitButton } from "./submit-button"

type Action = (prev: ActionResult | null, data: FormData) => Promise<ActionResult | null>

export function NewPasswordForm({
  action,
  submitLabel,
  success,
  askCurrent = false,
}: {
  action: Action
  submitLabel: string
  success?: string
  /** The account page asks for the current password; a reset link's page does not. */
  askCurrent?: boolean
}) {
  const [state, formAction] = useActionState(action, null)
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {}
  return (
    // React empties the fields after every submission: right for passwords, which are never echoed back.
    <form action={formAction} className="space-y-4" noValidate>
      <FormMessage state={state} success={success} />
      {askCurrent && (
        <FormField
          id="current_password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.current_password}
        />
      )}
      <FormField
        id="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        error={errors.password}
        hint="At least 8 characters."
      />
      <FormField id="confirm" label="Confirm new password" type="password" autoComplete="new-password" required error={errors.confirm} />
      <SubmitButton label={submitLabel} pendingLabel="Saving…" />
    </form>
  )
}
