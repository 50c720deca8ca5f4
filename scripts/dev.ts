// npm run dev: the whole app offline in one command: embedded Postgres (persisted in .data/), the
// Supabase Auth and Stripe emulators, migrations, plans, a webhook endpoint, then `next dev`.
// With real keys in .env.local the app points at them and only Next starts.
import { spawn } from "node:child_process"
import path from "node:path"
import { LOCAL_DEFAULTS, LOCAL_SUPABASE_ANON_KEY, resolveEnv } from "../lib/env"
import { loadEnvFiles } from "./lib/load-env"
import { startDevCron } from "./lib/dev-cron"
import { startStack } from "./lib/stack"
import { randomBytes } from "node:crypto"

loadEnvFiles()
const env = resolveEnv(process.env) // fails here, naming the variable, on a half-set configuration
const root = path.resolve(import.meta.dirname, "..")
const port = new URL(env.appUrl).port || "3000"
const offline = !process.env.STRIPE_SECRET_KEY || !process.env.NEXT_PUBLIC_SUPABASE_URL || !process.env.DATABASE_URL

let childEnv: Record<string, string> = {}
let stop = async () => {}
if (offline) {
  if (process.env.STRIPE_SECRET_KEY || process.env.NEXT_PUBLIC_SUPABASE_URL || process.env.DATABASE_URL)
    console.warn("subkit: a partial real configuration was found; `npm run dev` runs fully offline unless DATABASE_URL, NEXT_PUBLIC_SUPABASE_URL and STRIPE_SECRET_KEY are all set.")
  const stack = await startStack({
    appUrl: env.appUrl,
    database: "pglite",
    dataDir: path.join(root, ".data"),
    ports: { db: 54322, auth: 54321, stripe: Number(new URL(LOCAL_DEFAULTS.stripeApiBase).port) },
    stripeState: path.join(root, ".data/stripe-emulator.json"),
  })
  childEnv = { ...stack.appEnv, NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY, CRON_SECRET: env.cronSecret ?? randomBytes(16).toString("hex") }
  stop = stack.stop
  console.log(`
  subkit is starting offline on ${env.appUrl}
    Postgres (PGlite)  ${stack.databaseUrl}
    Supabase Auth      ${stack.authUrl}/auth/v1
    Stripe emulator    ${stack.stripe.url}   (deliveries: ${stack.stripe.url}/_emulator/webhooks/deliveries)
  Test cards: 4242 4242 4242 4242 (works), 4000 0000 0000 0002 (declined), 4000 0000 0000 0341 (fails at renewal).
`)
}

const next = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "dev", "--hostname", "127.0.0.1", "--port", port], {
  cwd: root,
  stdio: "inherit",
  env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env, ...childEnv },
})
const cronSecret = childEnv.CRON_SECRET ?? env.cronSecret
if (cronSecret) startDevCron(env.appUrl, cronSecret)
let stopping = false
const shutdown = async (code: number) => {
  if (stopping) return
  stopping = true
  next.kill("SIGTERM")
  await stop()
  process.exit(code)
}
next.on("exit", (code) => void shutdown(code ?? 0))
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void shutdown(0))
