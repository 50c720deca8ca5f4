// The client's IP from the request headers the platform's proxy sets (Vercel: X-Forwarded-For, whose
// first entry is the client; X-Real-IP as a fallback). No database or Next imports: proxy.ts uses it too.

/** The client IP, or null when the request carries none (not behind the platform's proxy). */
export function clientIpOf(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim()
  const ip = (forwarded || headers.get("x-real-ip")?.trim() || "").slice(0, 64)
  return ip || null
}

/**
 * Supabase Auth rate-limits per IP, and every auth call from this server would otherwise count against
 * the server's own address. GoTrue keys its limits on the leftmost `Sb-Forwarded-For` value instead when
 * the project enables IP address forwarding (GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED; docs/deploy.md).
 */
export const SB_FORWARDED_FOR = "Sb-Forwarded-For"

export function authForwardHeaders(ip: string | null): Record<string, string> {
  return ip ? { [SB_FORWARDED_FOR]: ip } : {}
}
