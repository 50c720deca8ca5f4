"use client"
// Asks for a password reset link. The answer is the same whether or not the address has an account.
import { useActionState, useState } from "react"
import { requestPasswordReset } from "@/lib/actions/auth"
import { FormField } from "./form-field"
import { FormMessage } from "./form-message"
import { SubmitButton } from "./submit-button"

export function ForgotPasswordForm() {
  const [state, action] = useActionState(requestPasswordReset, null)
  // Controlled, so a failed attempt keeps what was typed (React resets uncontrolled fields).
  const [email, setEmail] = useState("")
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {}
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage
        state={state}
        success="If an account exists for that address, we've emailed it a link to reset the password. The link works once, for an hour."
      />
      <FormField
        id="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        error={errors.email}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <SubmitButton className="w-full" label="Send reset link" pendingLabel="Sending…" />
    </form>
  )
}
