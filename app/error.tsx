"use client"
// Unexpected errors: a plain message and a retry, never a stack trace.
// A plain <button> with the default button's classes: the Button component would bring its class merging
// (tailwind-merge, ~30 kB) into every page's first load, since this boundary is on every route.
import { useEffect } from "react"

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => console.error(error), [error])
  return (
    <div className="mx-auto max-w-md space-y-4 py-16 text-center" role="alert">
      <h1 className="text-2xl font-bold">Something went wrong</h1>
      <p className="text-muted-foreground">
        Please try again. If it keeps happening, contact support{error.digest ? ` and mention code ${error.digest}` : ""}.
      </p>
      <button
        type="button"
        onClick={reset}
        className="inline-flex h-10 items-center justify-center gap-2 whitespace-nowrap rounded-md bg-primary px-4 py-2 text-sm font-medium text-primary-foreground transition-colors hover:bg-primary/90 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2"
      >
        Try again
      </button>
    </div>
  )
}
