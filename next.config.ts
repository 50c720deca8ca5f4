import type { NextConfig } from "next"

const nextConfig: NextConfig = {
  // The emulators and scripts are dev tools: keep them out of the app's file tracing.
  outputFileTracingExcludes: { "*": ["emulators/**", "scripts/**", "tests/**"] },
  serverExternalPackages: ["pg"],
  poweredByHeader: false,
}

export default nextConfig
