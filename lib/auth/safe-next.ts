// Where to go after signing in: same-origin paths only, so a crafted link cannot redirect off-site.
export function safeNext(next: string | null | undefined, fallback = "/dashboard"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback
  try {
    const url = new URL(next, "http://local.invalid")
    if (url.origin !== "http://local.invalid") return fallback
    return url.pathname + url.search + url.hash
  } catch {
    return fallback
  }
}
