// Where to go after signing in: same-origin paths only, so a crafted link cannot redirect off-site.
const BASE = "http://local.invalid"

/** A browser reads `//host` and `/\host` as another origin; so do we, before and after normalizing. */
const offsite = (path: string) => !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")

export function safeNext(next: string | null | undefined, fallback = "/dashboard"): string {
  if (!next || offsite(next)) return fallback
  try {
    const url = new URL(next, BASE)
    if (url.origin !== BASE) return fallback
    // Dot segments collapse during parsing: "/.//evil.com" becomes "//evil.com", so check the result too.
    const out = url.pathname + url.search + url.hash
    return offsite(out) ? fallback : out
  } catch {
    return fallback
  }
}

/**
 * An absolute URL on the app's own origin as a path (else `next` unchanged, for safeNext to judge).
 * Supabase's email templates can only pass the redirect as `{{ .RedirectTo }}`, a full URL: the invite
 * link's `next` is `https://<app>/invite?token=…`.
 */
export function ownPath(next: string | null | undefined, appOrigin: string): string | null | undefined {
  if (!next || next.startsWith("/")) return next
  try {
    const url = new URL(next)
    return url.origin === new URL(appOrigin).origin ? url.pathname + url.search + url.hash : next
  } catch {
    return next
  }
}
