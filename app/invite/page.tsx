// Where an invite email lands (/invite?token=…). The link carries a session in its fragment, which
// AdoptLinkSession turns into cookies only when a signed-out visitor presses Join (issue 23, item 1).
// Anyone holding the link may see whose team it is for.
import type { Metadata } from "next"
import Link from "next/link"
import { AcceptInviteButton } from "@/components/team/accept-invite-button"
import { AdoptLinkSession } from "@/components/team/adopt-link-session"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { signOut } from "@/lib/actions/auth"
import { getCurrentUser } from "@/lib/auth/current-user"
import { describeInvite, inviteToken } from "@/lib/billing/team/invites"

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
      {user && <AdoptLinkSession token={token} signedIn />}
      <Card>
        <CardHeader>
          <CardTitle>{invite ? "Join a team on subkit" : "Invite not found"}</CardTitle>
          <CardDescription>
            {invite ? `${invite.ownerEmail ?? "A subkit user"} invited ${invite.email} to their team.` : "This invite link is not valid."}
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
            <AdoptLinkSession token={token} email={invite.email}>
              <p>Log in as {invite.email} to join. No account yet? Sign up with that address.</p>
              <div className="flex gap-2">
                <Button asChild>
                  <Link href={`/auth/login?next=${encodeURIComponent(here)}`}>Log in</Link>
                </Button>
                <Button asChild variant="outline">
                  <Link href={`/auth/signup?next=${encodeURIComponent(here)}`}>Sign up</Link>
                </Button>
              </div>
            </AdoptLinkSession>
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
