"use client"
// Log-in and sign-up form: field errors next to the fields, the summary in an alert.
import { Loader2 } from "@/components/ui/icons"
import { useActionState } from "react"
import { useFormStatus } from "react-dom"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import type { ActionResult } from "@/lib/result"

type Action = (prev: ActionResult | null, data: FormData) => Promise<ActionResult | null>

export function AuthForm({ action, mode, next }: { action: Action; mode: "login" | "signup"; next?: string }) {
  const [state, formAction] = useActionState(action, null)
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {}
  return (
    <form action={formAction} className="space-y-4" noValidate>
      {next && <input type="hidden" name="next" value={next} />}
      {state && !state.ok && (
        <Alert variant="destructive">
          <AlertDescription>{state.message}</AlertDescription>
        </Alert>
      )}
      {state?.ok && mode === "signup" && (
        <Alert variant="success">
          <AlertDescription>Check your email for a confirmation link.</AlertDescription>
        </Alert>
      )}
      <div className="space-y-1.5">
        <Label htmlFor="email">Email</Label>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          aria-invalid={!!errors.email}
          aria-describedby={errors.email ? "email-error" : undefined}
        />
        {errors.email && (
          <p id="email-error" className="text-sm text-destructive">
            {errors.email}
          </p>
        )}
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="password">Password</Label>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete={mode === "login" ? "current-password" : "new-password"}
          required
          minLength={mode === "signup" ? 8 : undefined}
          aria-invalid={!!errors.password}
          aria-describedby={errors.password ? "password-error" : mode === "signup" ? "password-hint" : undefined}
        />
        {errors.password ? (
          <p id="password-error" className="text-sm text-destructive">
            {errors.password}
          </p>
        ) : (
          mode === "signup" && (
            <p id="password-hint" className="text-xs text-muted-foreground">
              At least 8 characters.
            </p>
          )
        )}
      </div>
      <Submit label={mode === "login" ? "Log in" : "Create account"} />
    </form>
  )
}

function Submit({ label }: { label: string }) {
  const { pending } = useFormStatus()
  return (
    <Button type="submit" className="w-full" disabled={pending} aria-busy={pending}>
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      {label}
    </Button>
  )
}
