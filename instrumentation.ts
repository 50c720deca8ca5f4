// Runs once when a Next server starts, before it answers a request: a production server with an
// incomplete or unsafe configuration stops there (lib/startup-check.ts) instead of serving.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return
  await import("./lib/startup-check")
  // Pages first: the webhook route and the drain give way while people's requests are in flight.
  ;(await import("./lib/billing/sync/pages-in-flight")).countPagesInFlight()
  const { env } = await import("./lib/env")
  if (env.probeFile) (await import("./lib/db/probe")).startProbe(env.probeFile)
}
