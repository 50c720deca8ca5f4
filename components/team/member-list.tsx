// Who is on the team; the owner sees a Remove button beside each member. A member past the paid seat
// count (seats lowered at Stripe) is marked: they have no Team features until seats are added.
import { Badge } from "@/components/ui/badge"
import { removeTeamMember } from "@/lib/actions/team"
import { formatDate } from "@/lib/billing/views/describe"
import type { TeamMemberView } from "@/lib/billing/team/view"
import { ConfirmActionButton } from "./confirm-action-button"

export function MemberList({ members, canRemove, selfId }: { members: TeamMemberView[]; canRemove: boolean; selfId: string }) {
  return (
    <ul className="divide-y" aria-label="Team members" data-testid="team-members">
      {members.map((m) => (
        <li key={m.userId} className="flex flex-wrap items-center justify-between gap-2 py-2">
          <span id={`member-${m.userId}`} className="flex items-center gap-2">
            <span className="font-medium">{m.email ?? "Unknown user"}</span>
            {m.role === "owner" && <Badge variant="neutral">Owner</Badge>}
            {!m.seated && (
              <Badge variant="warning" data-testid="member-no-seat">
                No seat: Team features off
              </Badge>
            )}
            {m.userId === selfId && <span className="text-sm text-muted-foreground">(you)</span>}
          </span>
          <span className="flex items-center gap-3 text-sm text-muted-foreground">
            Joined {formatDate(m.joinedAt)}
            {canRemove && m.role === "member" && (
              <ConfirmActionButton
                label="Remove"
                confirmLabel="Remove from team"
                done={`${m.email ?? "The member"} was removed from your team.`}
                run={removeTeamMember.bind(null, m.userId)}
                describedBy={`member-${m.userId}`}
              />
            )}
          </span>
        </li>
      ))}
    </ul>
  )
}
