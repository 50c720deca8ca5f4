// The team: the owner's seats, members and invites (and seat changes with a price preview); a
// member's view of who they share the Team plan with; for everyone else, what the Team plan adds.
import type { Metadata } from "next"
import Link from "next/link"
import { ConfirmActionButton } from "@/components/team/confirm-action-button"
import { InviteForm } from "@/components/team/invite-form"
import { InviteList } from "@/components/team/invite-list"
import { MemberList } from "@/components/team/member-list"
import { SeatsForm } from "@/components/team/seats-form"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { leaveCurrentTeam } from "@/lib/actions/team"
import { requireUser } from "@/lib/auth/current-user"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"
import { perSeatPlan } from "@/lib/billing/catalog"
import { getTeamView } from "@/lib/billing/team/view"

export const metadata: Metadata = { title: "Team" }

const teamPlan = perSeatPlan()

export default async function TeamPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const [user, { joined }] = await Promise.all([
    requireUser(),
    searchParams.then((q) => parseSearchParams(q, { joined: z.string().max(8) })),
  ])
  const view = await getTeamView(user.id)
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <h1 className="text-3xl font-bold">Team</h1>
      {view.kind === "none" && (
        <Card>
          <CardHeader>
            <CardTitle>Work together on the {teamPlan?.name ?? "Team"} plan</CardTitle>
            <CardDescription>
              A {teamPlan?.name ?? "Team"} subscription comes with seats: invite people by email and they get every{" "}
              {teamPlan?.name ?? "Team"} feature while they are on your team.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <Button asChild>
              <Link href="/pricing">See the {teamPlan?.name ?? "Team"} plan</Link>
            </Button>
          </CardContent>
        </Card>
      )}
      {view.kind === "member" && (
        <>
          {joined && (
            <Alert variant="success">
              <AlertDescription>You joined the team. Its features are unlocked for you.</AlertDescription>
            </Alert>
          )}
          <Card>
            <CardHeader>
              <CardTitle>You&apos;re on {view.ownerEmail ?? "a"}&apos;s team</CardTitle>
              <CardDescription>The owner&apos;s subscription pays for your seat; they manage billing and members.</CardDescription>
            </CardHeader>
            <CardContent className="space-y-4">
              {view.members.some((m) => m.userId === user.id && !m.seated) && (
                <Alert variant="warning">
                  <AlertDescription>
                    The team has more people than paid seats, so the Team features and the team&apos;s usage pool are off for you for now
                    (your usage counts against your own plan&apos;s allowance). Ask the owner to add a seat.
                  </AlertDescription>
                </Alert>
              )}
              <MemberList members={view.members} canRemove={false} selfId={user.id} />
              {view.ownTeamPlan && (
                <p className="text-sm text-muted-foreground">You also have a Team subscription: leave this team to run your own.</p>
              )}
              <ConfirmActionButton label="Leave team" confirmLabel="Leave this team" done="You left the team." run={leaveCurrentTeam} />
            </CardContent>
          </Card>
        </>
      )}
      {view.kind === "owner" && <OwnerView view={view} selfId={user.id} />}
    </div>
  )
}

function OwnerView({ view, selfId }: { view: Extract<Awaited<ReturnType<typeof getTeamView>>, { kind: "owner" }>; selfId: string }) {
  const used = view.members.length + view.invites.length
  const free = Math.max(0, view.seats - used)
  const unseated = view.members.filter((m) => !m.seated).length
  return (
    <>
      {!view.subscription && (
        <Alert variant="warning">
          <AlertDescription>
            Your team has no active Team subscription, so members don&apos;t get its features and no one can join.{" "}
            <Link href="/subscription" className="underline">
              Check your subscription
            </Link>{" "}
            to bring them back.
          </AlertDescription>
        </Alert>
      )}
      {view.subscription && view.members.length > view.seats && (
        <Alert variant="warning">
          <AlertDescription>
            {view.members.length} people are on your team but it has {view.seats} seats. Add seats or remove members.
          </AlertDescription>
        </Alert>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Seats</CardTitle>
          <CardDescription data-testid="seat-usage">
            {used} of {view.seats} seats used ({view.members.length} {view.members.length === 1 ? "member" : "members"},{" "}
            {view.invites.length} {view.invites.length === 1 ? "open invite" : "open invites"}).
          </CardDescription>
        </CardHeader>
        {view.subscription && teamPlan && (
          <CardContent>
            <SeatsForm seats={view.seats} min={teamPlan.minSeats} max={teamPlan.maxSeats} />
          </CardContent>
        )}
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Members</CardTitle>
          <CardDescription>Members get every Team feature while they are on your team.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          {unseated > 0 && (
            <Alert variant="warning">
              <AlertDescription>
                {unseated === 1 ? "1 member has" : `${unseated} members have`} no seat, no Team features and no share of the usage pool: the
                subscription has {view.seats} seats. Add seats or remove someone.
              </AlertDescription>
            </Alert>
          )}
          <MemberList members={view.members} canRemove selfId={selfId} />
        </CardContent>
      </Card>
      {view.subscription && (
        <Card>
          <CardHeader>
            <CardTitle>Invites</CardTitle>
            <CardDescription>We email a sign-in link; whoever follows it with that address joins your team.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <InviteForm freeSeats={free} />
            <InviteList invites={view.invites} />
          </CardContent>
        </Card>
      )}
    </>
  )
}
