// npm run admin:grant <email>: gives that user the admin role (app_metadata.role = "admin") through
// the Supabase Auth admin API. -- --revoke takes it away. They see /admin after signing in again.
import { parseArgs } from "node:util"
import { loadEnvFiles } from "./lib/load-env"

loadEnvFiles()
const { values, positionals } = parseArgs({ allowPositionals: true, options: { revoke: { type: "boolean" } } })
const { grantAdmin } = await import("../lib/auth/admin-grant")
const { pool } = await import("../lib/db/client")
try {
  const result = await grantAdmin(positionals[0], { revoke: values.revoke === true })
  if (!result.ok) {
    console.error(result.message)
    process.exitCode = 1
  } else console.log(`${positionals[0]} ${values.revoke ? "is no longer an admin" : "is an admin"}; they see /admin after signing in again`)
} finally {
  await pool.end()
}
