"use client"
// Join on the invite page: signs a signed-out invitee in as the invited address (the page has said
// which) and accepts the invite; on success the action goes to the team page; a refusal is said here.
import { Loader2 } from "@/components/ui/icons"
import { useState, useTransition } from "react"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { joinTeamWithLink } from "@/lib/actions/team"

export function AcceptInviteButton({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null)
  const [pending, start] = useTransition()
  return (
    <div className="space-y-3">
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      <Button
        type="button"
        disabled={pending}
        aria-busy={pending}
        onClick={() =>
          start(async () => {
            const result = await joinTeamWithLink(token)
            if (result && !result.ok) setError(result.message)
          })
        }
      >
        {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
        Join the team
      </Button>
    </div>
  )
}
