// npm run dev: the whole app offline in one command. Embedded Postgres (PGlite, persisted in .data/),
// the Supabase Auth and Stripe emulators and `next dev` run as supervised child processes: one that
// dies is restarted with backoff (and a log line saying what died and why); Ctrl-C stops them all.
// Migrations, plans and a webhook endpoint are set up before the app starts; a dev cron drains billing events. With real keys in
// .env.local the app points at them and only Next starts.
// Ports: PGLITE_PORT (54322), AUTH_EMULATOR_PORT (54321), STRIPE_EMULATOR_PORT (12111), the app's
// from NEXT_PUBLIC_APP_URL (3000); state in SUBKIT_DATA_DIR (.data).
import { randomBytes } from "node:crypto"
import path from "node:path"
import { LOCAL_DEFAULTS, LOCAL_SUPABASE_PUBLISHABLE_KEY, LOCAL_SUPABASE_SECRET_KEY, resolveEnv } from "../lib/env"
import { startDevCron } from "./lib/dev-cron"
import { appService, authService, postgresService, stripeService, type DevService } from "./lib/dev-services"
import { loadEnvFiles } from "./lib/load-env"
import { migrate } from "./lib/migrate"
import { prepareStripe } from "./lib/prepare-stripe"
import { DEV_ADMIN, seedDevAdmin } from "./lib/seed-admin"
import { statusTable } from "./lib/status-table"
import { Supervisor } from "./lib/supervisor"
import Stripe from "stripe"

loadEnvFiles()
const env = resolveEnv(process.env) // fails here, naming the variable, on a half-set configuration
const root = path.resolve(import.meta.dirname, "..")
const offline = !process.env.STRIPE_SECRET_KEY || !process.env.NEXT_PUBLIC_SUPABASE_URL || !process.env.DATABASE_URL
const log = (line: string) => console.log(line)
const supervisor = new Supervisor(log)
const services: DevService[] = []

let stopping = false
const shutdown = async (code: number) => {
  if (stopping) return
  stopping = true
  log("subkit: stopping…")
  await supervisor.stop()
  process.exit(code)
}
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void shutdown(0))

const start = async (service: DevService) => {
  services.push(service)
  await supervisor.start(service)
}

try {
  let childEnv: Record<string, string> = {}
  if (offline) {
    if (process.env.STRIPE_SECRET_KEY || process.env.NEXT_PUBLIC_SUPABASE_URL || process.env.DATABASE_URL)
      console.warn(
        "subkit: a partial real configuration was found; `npm run dev` runs fully offline unless DATABASE_URL, NEXT_PUBLIC_SUPABASE_URL and STRIPE_SECRET_KEY are all set.",
      )
    const dataDir = path.resolve(process.env.SUBKIT_DATA_DIR ?? path.join(root, ".data"))
    const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
    const db = postgresService({ port: port("PGLITE_PORT", 54322), dataDir: path.join(dataDir, "pglite") })
    await start(db)
    const { applied } = await migrate(db.url)
    if (applied.length) log(`subkit: applied ${applied.length} migration(s)`)
    const smtpPort = port("AUTH_EMULATOR_SMTP_PORT", Number(new URL(LOCAL_DEFAULTS.smtpUrl).port))
    const auth = authService({ port: port("AUTH_EMULATOR_PORT", 54321), smtpPort, databaseUrl: db.url })
    const stripe = stripeService({
      port: port("STRIPE_EMULATOR_PORT", Number(new URL(LOCAL_DEFAULTS.stripeApiBase).port)),
      stateFile: path.join(dataDir, "stripe-emulator.json"),
    })
    await Promise.all([start(auth), start(stripe)])
    const seeded = await seedDevAdmin(auth.url.replace(/\/auth\/v1$/, ""), LOCAL_SUPABASE_SECRET_KEY)
    if (seeded.created) log(`subkit: created the dev admin ${DEV_ADMIN.email}`)
    const stripeUrl = new URL(stripe.url)
    const client = new Stripe(LOCAL_DEFAULTS.stripeSecretKey, {
      host: stripeUrl.hostname,
      port: stripeUrl.port,
      protocol: "http",
      maxNetworkRetries: 2,
    })
    const webhookSecret = await prepareStripe(client, db.url, env.appUrl, log)
    childEnv = {
      DATABASE_URL: db.url,
      NEXT_PUBLIC_APP_URL: env.appUrl,
      NEXT_PUBLIC_SUPABASE_URL: auth.url.replace(/\/auth\/v1$/, ""),
      // The new API keys, as a project set up today has them (the emulator's defaults: the Supabase CLI's local keys).
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: LOCAL_SUPABASE_PUBLISHABLE_KEY,
      SUPABASE_SECRET_KEY: LOCAL_SUPABASE_SECRET_KEY,
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      CRON_SECRET: env.cronSecret ?? randomBytes(16).toString("hex"),
      // Billing emails go over SMTP into the auth emulator's mailbox, with the auth emails.
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    }
  }
  await start(appService({ appUrl: env.appUrl, env: childEnv }))
  // What Vercel Cron does in production; it keeps calling across restarts of the app.
  const cronSecret = childEnv.CRON_SECRET ?? env.cronSecret
  if (cronSecret) startDevCron(env.appUrl, cronSecret)
  const rows = await Promise.all(
    services.map(async (s) => ({ service: s.name, url: s.url, state: await s.state(), pid: supervisor.pid(s.name) })),
  )
  log(`\n  subkit is running${offline ? " offline" : ""} on ${env.appUrl} (Ctrl-C stops everything)\n${statusTable(rows)}`)
  if (offline) {
    log(`  Emails (sign-up, magic links, resets, billing over SMTP ${childEnv.SMTP_URL}): ${childEnv.NEXT_PUBLIC_SUPABASE_URL}/_mailbox`)
    log(`  Operator console: ${env.appUrl}/admin/events (dev admin ${DEV_ADMIN.email} / ${DEV_ADMIN.password})`)
    log(`  Webhook deliveries: ${childEnv.STRIPE_API_BASE}/_emulator/webhooks/deliveries`)
    log("  Test cards: 4242 4242 4242 4242 (works), 4000 0000 0000 0002 (declined), 4000 0000 0000 0341 (fails at renewal).\n")
  }
} catch (err) {
  console.error(`subkit: could not start: ${(err as Error).message}`)
  await shutdown(1)
}
