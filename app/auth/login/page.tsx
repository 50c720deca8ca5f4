// Log in.
import type { Metadata } from "next"
import Link from "next/link"
import { AuthForm } from "@/components/auth/auth-form"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { signIn } from "@/lib/actions/auth"
import { safeNext } from "@/lib/auth/safe-next"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"

export const metadata: Metadata = { title: "Log in" }

export default async function LoginPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const params = parseSearchParams(await searchParams, {
    next: z.string().max(2048),
    signed_out: z.string().max(8),
    error: z.string().max(64),
  })
  const next = safeNext(params.next)
  return (
    <Card className="mx-auto max-w-md">
      <CardHeader>
        <CardTitle as="h1">Log in</CardTitle>
        <CardDescription>Welcome back.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {params.signed_out && (
          <Alert variant="success">
            <AlertDescription>You have been signed out.</AlertDescription>
          </Alert>
        )}
        {params.error === "link_invalid" && (
          <Alert variant="warning">
            <AlertDescription>That link has expired or was already used. Log in, or request a new link.</AlertDescription>
          </Alert>
        )}
        <AuthForm action={signIn} mode="login" next={next} />
        <p className="text-center text-sm">
          <Link className="text-primary underline-offset-4 hover:underline" href="/auth/forgot-password">
            Forgot your password?
          </Link>
        </p>
        <p className="text-center text-sm text-muted-foreground">
          No account?{" "}
          <Link className="text-primary underline underline-offset-4" href={`/auth/signup?next=${encodeURIComponent(next)}`}>
            Sign up
          </Link>
        </p>
      </CardContent>
    </Card>
  )
}
