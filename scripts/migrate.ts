// npm run db:migrate: apply pending migrations to DATABASE_URL (default: the local PGlite server).
import { resolveEnv } from "../lib/env"
import { loadEnvFiles } from "./lib/load-env"
import { migrate } from "./lib/migrate"

loadEnvFiles()
const env = resolveEnv(process.env)
const { applied } = await migrate(env.databaseUrl, (l) => console.log(`  ${l}`))
console.log(applied.length ? `applied ${applied.length} migration(s)` : "database is up to date")
