"use client"
// Starts an email change: nothing changes until the link sent to the new address is followed.
import { useActionState, useState } from "react"
import { changeEmail } from "@/lib/actions/auth"
import { FormField } from "./form-field"
import { FormMessage } from "./form-message"
import { SubmitButton } from "./submit-button"

export function ChangeEmailForm({ current }: { current: string | null }) {
  const [state, action] = useActionState(changeEmail, null)
  // Controlled, so a failed attempt keeps what was typed (React resets uncontrolled fields).
  const [email, setEmail] = useState("")
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {}
  const sentTo = state?.ok && "email" in state ? String(state.email) : ""
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage
        state={state}
        success={`Check ${sentTo} and follow the link to confirm. Until then you keep signing in as ${current ?? "before"}.`}
      />
      <FormField
        id="email"
        label="New email"
        type="email"
        autoComplete="email"
        required
        error={errors.email}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <FormField
        id="email_current_password"
        name="current_password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        error={errors.current_password}
      />
      <SubmitButton label="Change email" pendingLabel="Sending…" />
    </form>
  )
}
