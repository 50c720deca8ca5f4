// Invites not yet accepted; each holds a seat until it is accepted, withdrawn or expires.
import { revokeTeamInvite } from "@/lib/actions/team"
import { formatDate } from "@/lib/billing/views/describe"
import type { TeamInviteView } from "@/lib/billing/team/view"
import { ConfirmActionButton } from "./confirm-action-button"

export function InviteList({ invites }: { invites: TeamInviteView[] }) {
  if (!invites.length) return <p className="text-sm text-muted-foreground">No open invites.</p>
  return (
    <ul className="divide-y" aria-label="Open invites" data-testid="team-invites">
      {invites.map((i) => (
        <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
          <span id={`invite-${i.id}`} className="font-medium">
            {i.email}
          </span>
          <span className="flex items-center gap-3 text-sm text-muted-foreground">
            Expires {formatDate(i.expiresAt)}
            <ConfirmActionButton
              label="Withdraw"
              confirmLabel="Withdraw invite"
              done={`The invite to ${i.email} was withdrawn.`}
              run={revokeTeamInvite.bind(null, i.id)}
              describedBy={`invite-${i.id}`}
            />
          </span>
        </li>
      ))}
    </ul>
  )
}
