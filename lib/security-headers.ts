// Security headers for every page: a nonce-based CSP (Next applies the nonce to its own scripts when
// it finds it in the request's CSP header), no framing, no MIME sniffing, a strict referrer, and
// HSTS once the app is served over https in production. Stripe's hosted pages (Checkout, Portal)
// are reached by navigation, which CSP does not restrict; only a form posted without JavaScript
// follows a redirect to them, so form-action names their origins.
import { env } from "@/lib/env"

/** Where Stripe hosts Checkout and the Customer Portal (the configured API host when it is not Stripe's). */
export function stripeHostedOrigins(stripeApiBase: string | undefined): string[] {
  return stripeApiBase ? [new URL(stripeApiBase).origin] : ["https://checkout.stripe.com", "https://billing.stripe.com"]
}

export type HeaderOptions = { nonce: string; dev: boolean; https: boolean; production: boolean; stripeOrigins: string[] }

export function contentSecurityPolicy({ nonce, dev, https, stripeOrigins }: HeaderOptions): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonce'd ones load are trusted; nothing else runs. React needs eval in dev only.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes (React, toasts) cannot carry a nonce; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self' ${stripeOrigins.join(" ")}`,
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ")
}

export function securityHeaders(opts: HeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(opts),
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    ...(opts.production && opts.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  }
}

/** A fresh nonce per request (128 random bits). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
}

/** The headers for this deployment's configuration. */
export function pageSecurityHeaders(nonce: string): Record<string, string> {
  return securityHeaders({
    nonce,
    dev: env.nodeEnv === "development",
    https: env.appUrl.startsWith("https://"),
    production: env.nodeEnv === "production" && !env.offline,
    stripeOrigins: stripeHostedOrigins(env.stripeApiBase),
  })
}
