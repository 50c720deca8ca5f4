// Runs once when a Next server starts, before it answers a request: a production server with an
// incomplete or unsafe configuration stops there (lib/startup-check.ts) instead of serving.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return
  await import("./lib/startup-check")
  const { env } = await import("./lib/env")
  if (env.probeFile) (await import("./lib/db/probe")).startProbe(env.probeFile)
}
