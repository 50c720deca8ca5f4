// Where an invite email lands (/invite?token=…). The page says whose team it is and which account the
// link signs in as; a signed-out visitor is signed in as the invited address only when they press Join
// (a POST: issue 23, item 1), never just by opening the link. Anyone holding the link may see this much.
import type { Metadata } from "next"
import Link from "next/link"
import { AcceptInviteButton } from "@/components/team/accept-invite-button"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { signOut } from "@/lib/actions/auth"
import { getCurrentUser } from "@/lib/auth/current-user"
import { describeInvite, inviteToken, teamNameOf } from "@/lib/billing/team/invites"

export const metadata: Metadata = { title: "Team invite", robots: { index: false } }

const CLOSED = {
  accepted: "This invite has already been used.",
  revoked: "This invite was withdrawn by the team owner.",
  expired: "This invite has expired.",
} as const

export default async function InvitePage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  // ?token=a&token=b arrives as an array: the first one is read.
  const token = inviteToken((await searchParams).token)
  const [user, invite] = await Promise.all([getCurrentUser(), token ? describeInvite(token) : null])
  const here = `/invite?token=${encodeURIComponent(token)}`
  return (
    <div className="mx-auto max-w-md space-y-4 py-8">
      <h1 className="text-3xl font-bold">Team invite</h1>
      <Card>
        <CardHeader>
          <CardTitle>{invite ? "Join a team on subkit" : "Invite not found"}</CardTitle>
          <CardDescription>
            {invite
              ? `${invite.ownerEmail ?? "A subkit user"} invited ${invite.email} to join ${teamNameOf(invite.ownerEmail)}.`
              : "This invite link is not valid."}
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-4 text-sm">
          {!invite && <p>Check that you opened the whole link from the email, or ask the team owner for a new invite.</p>}
          {invite && invite.state !== "open" && (
            <p>
              {CLOSED[invite.state]}{" "}
              {invite.state === "accepted" ? (
                <Link href="/team" className="underline">
                  Go to your team
                </Link>
              ) : (
                "Ask the team owner for a new one."
              )}
            </p>
          )}
          {invite?.state === "open" && !user && (
            <>
              <p data-testid="link-signs-in-as">
                This link signs you in as {invite.email} (an account is made for the address if it has none). Press Join to sign in and join
                the team.
              </p>
              <AcceptInviteButton token={token} />
              <p className="text-muted-foreground">
                Not {invite.email}? Don&apos;t press Join.{" "}
                <Link href={`/auth/login?next=${encodeURIComponent(here)}`} className="underline">
                  Log in with a password
                </Link>{" "}
                instead.
              </p>
            </>
          )}
          {invite?.state === "open" && user && user.email?.toLowerCase() !== invite.email && (
            <>
              <p>
                You&apos;re signed in as {user.email}, but this invite is for {invite.email}. Sign out and follow the link again to join as{" "}
                {invite.email}.
              </p>
              <form action={signOut}>
                <Button type="submit" variant="outline">
                  Sign out
                </Button>
              </form>
            </>
          )}
          {invite?.state === "open" && user && user.email?.toLowerCase() === invite.email && (
            <>
              <p>You get every Team feature while you are on the team. The owner manages billing; you pay nothing.</p>
              <AcceptInviteButton token={token} />
            </>
          )}
        </CardContent>
      </Card>
    </div>
  )
}
