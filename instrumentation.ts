// Runs once when a Next server starts, before it answers a request: a production server with an
// incomplete or unsafe configuration stops here, naming each variable, instead of serving.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return
  const { validateEnv } = await import("./lib/env")
  try {
    validateEnv()
  } catch (err) {
    if (err instanceof Error && err.name === "EnvError") {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
}
