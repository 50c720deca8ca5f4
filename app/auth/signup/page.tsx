// Sign up.
import type { Metadata } from "next"
import Link from "next/link"
import { AuthForm } from "@/components/auth/auth-form"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"
import { signUp } from "@/lib/actions/auth"
import { safeNext } from "@/lib/auth/safe-next"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"

export const metadata: Metadata = { title: "Sign up" }

export default async function SignupPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const next = safeNext(parseSearchParams(await searchParams, { next: z.string().max(2048) }).next)
  return (
    <Card className="mx-auto max-w-md">
      <CardHeader>
        <CardTitle as="h1">Create your account</CardTitle>
        <CardDescription>Then pick a plan.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <AuthForm action={signUp} mode="signup" next={next} />
        <p className="text-center text-sm text-muted-foreground">
          Already have an account?{" "}
          <Link className="text-primary underline underline-offset-4" href={`/auth/login?next=${encodeURIComponent(next)}`}>
            Log in
          </Link>
        </p>
      </CardContent>
    </Card>
  )
}
