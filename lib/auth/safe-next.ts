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
