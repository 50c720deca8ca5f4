// Runs once when a Next server starts, before it answers a request: a production server with an
// incomplete or unsafe configuration stops there (lib/startup-check.ts) instead of serving.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./lib/startup-check")
}
