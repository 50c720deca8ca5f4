"use client"
// An invite link arrives signed in through the implicit flow: Auth put the session in the URL
// fragment, which never reaches the server. Hand it to the server with the invite's token (the server
// adopts it as the HttpOnly session cookies only for that invite's address, and never over another
// signed-in user), wipe it from the address bar and history, and render the page again as that user.
import { Loader2 } from "lucide-react"
import { useRouter } from "next/navigation"
import { useEffect, useState, useTransition } from "react"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { adoptLinkSession } from "@/lib/actions/team"

export function AdoptLinkSession({ token }: { token: string }) {
  const router = useRouter()
  const [error, setError] = useState<string | null>(null)
  const [working, start] = useTransition()
  useEffect(() => {
    const fragment = new URLSearchParams(window.location.hash.slice(1))
    if (!fragment.size) return
    window.history.replaceState(null, "", window.location.pathname + window.location.search)
    const access = fragment.get("access_token")
    const refresh = fragment.get("refresh_token")
    start(async () => {
      if (!access || !refresh) {
        // GoTrue's error redirect: error_code / error_description in the fragment.
        const described = fragment.get("error_description")
        if (described) setError(`${described}. Log in to accept the invite, or ask the team owner for a new one.`)
        return
      }
      const result = await adoptLinkSession({ token, access_token: access, refresh_token: refresh })
      if (!result.ok) return setError(result.message)
      router.refresh()
    })
  }, [router, token])
  if (working)
    return (
      <p role="status" className="flex items-center gap-2 text-sm text-muted-foreground">
        <Loader2 className="size-4 animate-spin" aria-hidden="true" /> Signing you in…
      </p>
    )
  if (!error) return null
  return (
    <Alert variant="destructive">
      <AlertDescription>{error}</AlertDescription>
    </Alert>
  )
}
