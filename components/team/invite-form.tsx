"use client"
// The owner invites someone by email; the outcome is said in place (and the list refreshes).
import { useActionState, useState } from "react"
import { FormField } from "@/components/auth/form-field"
import { FormMessage } from "@/components/auth/form-message"
import { SubmitButton } from "@/components/auth/submit-button"
import { inviteTeamMember } from "@/lib/actions/team"

export function InviteForm({ freeSeats }: { freeSeats: number }) {
  const [state, action] = useActionState(inviteTeamMember, null)
  const [email, setEmail] = useState("")
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {}
  const sentTo = state?.ok ? state.email : ""
  return (
    <form action={action} className="space-y-3" noValidate aria-label="Invite a member">
      <FormMessage state={state} success={`Invite sent to ${sentTo}. The link in it is good for 7 days.`} />
      <FormField
        id="email"
        label="Email address"
        type="email"
        autoComplete="off"
        required
        error={errors.email}
        hint={freeSeats > 0 ? `${freeSeats} ${freeSeats === 1 ? "seat is" : "seats are"} free.` : "Every seat is taken: add a seat first."}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <SubmitButton label="Send invite" pendingLabel="Sending…" />
    </form>
  )
}
