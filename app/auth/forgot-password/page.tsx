// Forgot password: asks for the address to send a reset link to.
import type { Metadata } from "next"
import Link from "next/link"
import { ForgotPasswordForm } from "@/components/auth/forgot-password-form"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"

export const metadata: Metadata = { title: "Reset your password" }

export default async function ForgotPasswordPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const { error } = parseSearchParams(await searchParams, { error: z.string().max(64) })
  return (
    <Card className="mx-auto max-w-md">
      <CardHeader>
        <CardTitle as="h1">Reset your password</CardTitle>
        <CardDescription>We&apos;ll email you a link to choose a new one.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {error && (
          <Alert variant="warning">
            <AlertDescription>That reset link has expired or was already used. Request a new one below.</AlertDescription>
          </Alert>
        )}
        <ForgotPasswordForm />
        <p className="text-center text-sm text-muted-foreground">
          Remembered it?{" "}
          <Link className="text-primary underline-offset-4 hover:underline" href="/auth/login">
            Log in
          </Link>
        </p>
      </CardContent>
    </Card>
  )
}
