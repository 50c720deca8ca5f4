// GoTrue's per-IP limits on the auth endpoints (token buckets: a burst of `burst`, refilled at
// `perFiveMinutes` every 5 minutes), and which address a request counts against, as GoTrue decides it
// (internal/api/middleware.go performRateLimiting, internal/utilities GetIPAddress):
//   - with GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED (`sbForwardedFor`), the leftmost value of
//     `Sb-Forwarded-For` when it is a valid IP (a server calling Auth for its users forwards theirs);
//   - otherwise the first value of the rate-limit header (GOTRUE_RATE_LIMIT_HEADER, `X-Forwarded-For`
//     on the hosted platform, where its gateway sets it);
//   - neither: the socket's address (GoTrue skips limiting without the header; the emulator is stricter).
// Off unless configured: tests and `npm run dev` sign in many times from one machine.
import type http from "node:http"
import { isIP } from "node:net"

export type RateLimitOptions = {
  /** Requests allowed at once per address and endpoint group (GoTrue: 30). */
  burst?: number
  /** Refill per five minutes (GoTrue's rate_limit_* settings). */
  perFiveMinutes: number
  /** GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED: honour Sb-Forwarded-For. */
  sbForwardedFor?: boolean
  /** GOTRUE_RATE_LIMIT_HEADER (default x-forwarded-for). */
  header?: string
  now?: () => number
}

/** The endpoint groups GoTrue gives a limiter each: sign-in/refresh, sign-up, emailed OTP/recovery, verify. */
export function limitGroup(method: string, path: string): string | null {
  if (method === "POST" && path === "/token") return "token"
  if (method === "POST" && path === "/signup") return "signup"
  if (method === "POST" && (path === "/otp" || path === "/magiclink" || path === "/recover")) return "otp"
  if (path === "/verify") return "verify"
  return null
}

/** The address a request counts against. */
export function clientAddress(req: http.IncomingMessage, opts: Pick<RateLimitOptions, "sbForwardedFor" | "header">): string {
  if (opts.sbForwardedFor) {
    const first =
      String(req.headers["sb-forwarded-for"] ?? "")
        .split(",")[0]
        ?.trim() ?? ""
    if (first && isIP(first)) return first
  }
  const header = req.headers[(opts.header ?? "x-forwarded-for").toLowerCase()]
  const first = String(Array.isArray(header) ? header[0] : (header ?? ""))
    .split(",")[0]
    ?.trim()
  return first || req.socket.remoteAddress || "unknown"
}

export function createRateLimiter(opts: RateLimitOptions) {
  const burst = opts.burst ?? 30
  const now = opts.now ?? Date.now
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    /** Takes a token for this request; false when the bucket is empty (answer 429). */
    take(group: string, address: string): boolean {
      const key = `${group}:${address}`
      const t = now()
      const b = buckets.get(key) ?? { tokens: burst, at: t }
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 300_000) * opts.perFiveMinutes)
      b.at = t
      buckets.set(key, b)
      if (buckets.size > 10_000) buckets.delete(buckets.keys().next().value as string)
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
  }
}
