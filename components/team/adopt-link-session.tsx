"use client"
// An invite link arrives signed in through the implicit flow: Auth put the session in the URL
// fragment, which never reaches the server. The fragment is wiped from the address bar and history at
// once, and the tokens stay in memory only: a signed-out visitor is signed in only when they press
// Join (issue 23, item 1: anyone can put their own tokens in a link, so opening one must not sign the
// browser in unseen). Join hands the tokens to the server with the invite's token (adopted as the
// HttpOnly session cookies only for that invite's address, never over another signed-in user), then
// accepts the invite. Without link tokens, `children` (log in / sign up) are shown instead.
import { Loader2 } from "@/components/ui/icons"
import { useEffect, useState, useTransition, type ReactNode } from "react"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { acceptTeamInvite, adoptLinkSession } from "@/lib/actions/team"

type LinkTokens = { access_token: string; refresh_token: string }

export function AdoptLinkSession({
  token,
  email,
  signedIn = false,
  children,
}: {
  token: string
  email?: string
  /** Someone is signed in already: the link's tokens are only wiped, never offered (the page says who is signed in). */
  signedIn?: boolean
  children?: ReactNode
}) {
  const [error, setError] = useState<string | null>(null)
  const [tokens, setTokens] = useState<LinkTokens | null>(null)
  const [working, start] = useTransition()
  useEffect(() => {
    const fragment = new URLSearchParams(window.location.hash.slice(1))
    if (!fragment.size) return
    window.history.replaceState(null, "", window.location.pathname + window.location.search)
    const access = fragment.get("access_token")
    const refresh = fragment.get("refresh_token")
    // Reading the URL once, after hydration: the fragment is never sent to the server.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (access && refresh) return signedIn ? undefined : setTokens({ access_token: access, refresh_token: refresh })
    // GoTrue's error redirect: error_code / error_description in the fragment.
    const described = fragment.get("error_description")
    if (described) setError(`${described}. Log in to accept the invite, or ask the team owner for a new one.`)
  }, [signedIn])
  const join = () =>
    start(async () => {
      if (!tokens) return
      const adopted = await adoptLinkSession({ token, ...tokens })
      if (!adopted.ok) return setError(adopted.message)
      const accepted = await acceptTeamInvite(token)
      if (accepted && !accepted.ok) setError(accepted.message)
    })
  return (
    <div className="space-y-3">
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      {tokens ? (
        <>
          <p data-testid="link-signs-in-as">
            This link signs you in as {email ?? "the invited address"}. Press Join to sign in and join the team.
          </p>
          <Button type="button" onClick={join} disabled={working} aria-busy={working}>
            {working && <Loader2 className="animate-spin" aria-hidden="true" />}
            Join the team
          </Button>
        </>
      ) : (
        children
      )}
    </div>
  )
}
