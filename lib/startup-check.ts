// Imported once by instrumentation.ts on the Node.js runtime: validates the configuration and, when
// it is incomplete or unsafe, prints which variables to set (and where to get them) and exits 1,
// so a deploy fails at start rather than serving against nothing or the wrong thing.
import { validateEnv } from "./env"

try {
  validateEnv()
} catch (err) {
  if (!(err instanceof Error && err.name === "EnvError")) throw err
  console.error(err.message)
  process.exit(1)
}
