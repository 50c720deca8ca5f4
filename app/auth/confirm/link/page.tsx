// Where a token_hash email link lands (via /auth/confirm): names the account the link signs in to, and
// who is signed in now, and signs in only when the button is pressed (issue 23, item 1).
import type { Metadata } from "next"
import { z } from "zod"
import { ConfirmLinkForm } from "@/components/auth/confirm-link-form"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { LINK_TYPES } from "@/lib/auth/link-types"
import { getCurrentUser } from "@/lib/auth/current-user"
import { safeNext } from "@/lib/auth/safe-next"
import { parseSearchParams } from "@/lib/auth/search-params"

export const metadata: Metadata = { title: "Continue with your email link", robots: { index: false } }

const params = {
  token_hash: z.string().min(1).max(512),
  type: z.enum(LINK_TYPES),
  next: z.string().max(2048),
  email: z.string().trim().toLowerCase().max(320),
}

const PURPOSE: Record<(typeof LINK_TYPES)[number], string> = {
  recovery: "reset your password",
  email_change: "confirm your new email address",
  signup: "confirm your email address",
  email: "sign in",
  magiclink: "sign in",
  invite: "accept your invite",
}

export default async function ConfirmLinkPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const q = parseSearchParams(await searchParams, params)
  const user = await getCurrentUser()
  if (!q.token_hash || !q.type)
    return (
      <Card className="mx-auto max-w-md">
        <CardHeader>
          <CardTitle as="h1">This link is not valid</CardTitle>
          <CardDescription>Open the whole link from the email, or ask for a new one.</CardDescription>
        </CardHeader>
      </Card>
    )
  const account = q.email ?? "the account this link was sent to"
  const fields: Record<string, string> = { token_hash: q.token_hash, type: q.type, next: safeNext(q.next) }
  if (q.email) fields.email = q.email
  const other = user && (!q.email || user.email?.toLowerCase() !== q.email)
  return (
    <Card className="mx-auto max-w-md">
      <CardHeader>
        <CardTitle as="h1">Continue as {account}?</CardTitle>
        <CardDescription>
          This link signs you in as <strong>{account}</strong> to {PURPOSE[q.type]}.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {other && (
          <Alert variant="warning" data-testid="signed-in-as-other">
            <AlertDescription>
              You&apos;re signed in as {user.email ?? "another account"}. Continuing signs you out of that account. If you didn&apos;t ask
              for this link, close this page.
            </AlertDescription>
          </Alert>
        )}
        <ConfirmLinkForm fields={fields} label={`Continue as ${q.email ?? "this account"}`} />
      </CardContent>
    </Card>
  )
}
