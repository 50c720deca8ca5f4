import type { NextConfig } from "next"

const nextConfig: NextConfig = {
  // The emulators and scripts are dev tools: keep them out of the app's file tracing.
  outputFileTracingExcludes: { "*": ["packages/**", "scripts/**", "tests/**"] },
  serverExternalPackages: ["pg"],
  poweredByHeader: false,
  // `npm run dev` calls the billing cron every 5 s (scripts/lib/dev-cron.ts): keep it out of the request log.
  logging: { incomingRequests: { ignore: [/^\/api\/cron\/billing(?:\?|$)/] } },
  // Headers that hold for every response, assets and API routes included. Pages also get a
  // nonce-based CSP and, in production, HSTS from proxy.ts (lib/security-headers.ts).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" }] },
    ]
  },
}

export default nextConfig
