"use client"
// The button that signs an email link in (POST to confirmEmailLink); a refusal is said above it.
import { useActionState } from "react"
import { confirmEmailLink } from "@/lib/actions/confirm-link"
import { FormMessage } from "./form-message"
import { SubmitButton } from "./submit-button"

export function ConfirmLinkForm({ fields, label }: { fields: Record<string, string>; label: string }) {
  const [state, action] = useActionState(confirmEmailLink, null)
  return (
    <form action={action} className="space-y-4">
      <FormMessage state={state} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton label={label} pendingLabel="Signing you in…" className="w-full" />
    </form>
  )
}
