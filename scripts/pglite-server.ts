// Runs the embedded Postgres (PGlite) alone, as `npm run dev` does in its own supervised process:
// PGLITE_DATA_DIR (default .data/pglite), PGLITE_PORT (default 54322), on 127.0.0.1.
import path from "node:path"
import { startPglite } from "./lib/local-db"

const dataDir = process.env.PGLITE_DATA_DIR ?? path.resolve(import.meta.dirname, "../.data/pglite")
const db = await startPglite({ dataDir, port: Number(process.env.PGLITE_PORT ?? 54322) })
console.log(`[postgres] PGlite (${dataDir}) on ${db.url}`)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void db.stop().then(() => process.exit(0)))
