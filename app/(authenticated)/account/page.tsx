// Account settings: the address you sign in with, your password, and signing out.
import { LogOut } from "@/components/ui/icons"
import type { Metadata } from "next"
import { ChangeEmailForm } from "@/components/auth/change-email-form"
import { NewPasswordForm } from "@/components/auth/new-password-form"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { changePassword, signOut } from "@/lib/actions/auth"
import { saveEmailPreferences } from "@/lib/actions/email-preferences"
import { getEmailPreferences } from "@/lib/billing/email/preferences"
import { requireFreshUser } from "@/lib/auth/current-user"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"

export const metadata: Metadata = { title: "Account" }

const UPDATED: Record<string, string> = {
  password: "Your new password is set.",
  email: "Your email address is confirmed and changed.",
  email_half: "Confirmation accepted. Now follow the link sent to your other address to finish the change.",
  email_prefs: "Your email preferences are saved.",
}

export default async function AccountPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  // Auth is asked (getUser): this page shows a pending email change, which the token does not carry.
  const [user, { updated }] = await Promise.all([
    requireFreshUser(),
    searchParams.then((q) => parseSearchParams(q, { updated: z.string().max(64) })),
  ])
  const notice = updated ? UPDATED[updated] : undefined
  const prefs = await getEmailPreferences(user.id)
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div>
        <h1 className="text-3xl font-bold">Account</h1>
        <p className="text-muted-foreground" data-testid="account-email">
          Signed in as {user.email}
        </p>
      </div>
      {notice && (
        <Alert variant="success">
          <AlertDescription>{notice}</AlertDescription>
        </Alert>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Email address</CardTitle>
          <CardDescription>We send a confirmation link to the new address; the change happens when you follow it.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          {user.pendingEmail && (
            <Alert variant="warning" data-testid="pending-email">
              <AlertDescription>
                Waiting for confirmation of {user.pendingEmail}. Check that inbox, or ask for a new link below.
              </AlertDescription>
            </Alert>
          )}
          <ChangeEmailForm current={user.email} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Password</CardTitle>
          <CardDescription>Changing it signs you out on your other devices.</CardDescription>
        </CardHeader>
        <CardContent>
          <NewPasswordForm action={changePassword} submitLabel="Change password" success="Your password has been changed." askCurrent />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Billing emails</CardTitle>
          <CardDescription>
            Emails about failed payments, payments to confirm and cancellations are always sent. These you can turn off:
          </CardDescription>
        </CardHeader>
        <CardContent>
          <form action={saveEmailPreferences} className="space-y-3" data-testid="email-preferences">
            <label className="flex items-center gap-2">
              <input type="checkbox" name="trial_ending" defaultChecked={prefs.trial_ending} />
              Trial ending soon (three days before)
            </label>
            <label className="flex items-center gap-2">
              <input type="checkbox" name="seats_changed" defaultChecked={prefs.seats_changed} />
              Seats changed on a Team plan
            </label>
            <Button type="submit" variant="outline">
              Save email preferences
            </Button>
          </form>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Sign out</CardTitle>
          <CardDescription>Ends your session on every device.</CardDescription>
        </CardHeader>
        <CardContent>
          <form action={signOut}>
            <Button type="submit" variant="outline">
              <LogOut aria-hidden="true" /> Sign out everywhere
            </Button>
          </form>
        </CardContent>
      </Card>
    </div>
  )
}
