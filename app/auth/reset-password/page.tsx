// Choose a new password, reached from the reset link (which signed this browser in for the purpose).
import type { Metadata } from "next"
import Link from "next/link"
import { NewPasswordForm } from "@/components/auth/new-password-form"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { resetPassword } from "@/lib/actions/auth"
import { getFreshUser } from "@/lib/auth/current-user"

export const metadata: Metadata = { title: "Choose a new password" }

export default async function ResetPasswordPage() {
  // Asked of Auth, not just the token: the recovery session may have been signed out since.
  const user = await getFreshUser()
  return (
    <Card className="mx-auto max-w-md">
      <CardHeader>
        <CardTitle as="h1">Choose a new password</CardTitle>
        <CardDescription>{user ? `For ${user.email}.` : "Your reset link is needed first."}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {user ? (
          <NewPasswordForm action={resetPassword} submitLabel="Set new password" />
        ) : (
          <>
            <Alert variant="warning">
              <AlertDescription>Open the link from the reset email in this browser, or request a new one.</AlertDescription>
            </Alert>
            <Button asChild className="w-full">
              <Link href="/auth/forgot-password">Request a reset link</Link>
            </Button>
          </>
        )}
      </CardContent>
    </Card>
  )
}
