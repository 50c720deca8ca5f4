// Runs the Supabase Auth emulator alone: DATABASE_URL=… npm run emulator:auth
import { startAuthEmulator } from "./server"

const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:54322/postgres"
const emulator = await startAuthEmulator({
  databaseUrl,
  port: Number(process.env.AUTH_EMULATOR_PORT ?? 54321),
  smtpPort: Number(process.env.AUTH_EMULATOR_SMTP_PORT ?? 54325),
})
console.log(`[auth] Supabase Auth emulator on ${emulator.url}/auth/v1; SMTP into its mailbox on ${emulator.smtpUrl}`)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void emulator.stop().then(() => process.exit(0)))
