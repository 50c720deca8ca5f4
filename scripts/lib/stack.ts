// Starts the offline stack in this process: Postgres (PGlite or a given URL), migrations, the auth
// and Stripe emulators, the catalog, and a webhook endpoint for the app. Used by the browser tests
// and the benchmark; `npm run dev` runs the same parts as supervised processes (scripts/dev.ts).
import path from "node:path"
import { startAuthEmulator } from "@subkit/supabase-auth-emulator"
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from "@subkit/stripe-emulator"
import { startPglite, startPostgresServer, hasPostgresServer, freePort, type LocalDb } from "./local-db"
import { migrate } from "./migrate"
import { prepareStripe } from "./prepare-stripe"

export type StackOptions = {
  appUrl: string
  /** "pglite" persists under dataDir; "postgres" is a throwaway server; a URL is used as is. */
  database: "pglite" | "postgres" | { url: string }
  dataDir?: string
  ports?: { db?: number; auth?: number; stripe?: number }
  stripeState?: string
  webhookRetryDelaysMs?: number[]
  /** Passed to the Stripe emulator: latency, rate limit, the contract check, another key. */
  stripeEmulator?: Pick<StripeEmulatorOptions, "latencyMs" | "rateLimit" | "contract" | "secretKey">
  log?: (line: string) => void
}

export type Stack = {
  databaseUrl: string
  /** The database this stack started (absent when given a URL): tests halt and resume it. */
  database?: LocalDb
  authUrl: string
  stripe: StripeEmulator
  webhookSecret: string
  /** Environment for the Next process. */
  appEnv: Record<string, string>
  stop: () => Promise<void>
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const stops: (() => Promise<void>)[] = []
  try {
    let db: LocalDb | undefined
    let databaseUrl: string
    if (typeof opts.database === "object") databaseUrl = opts.database.url
    else {
      db =
        opts.database === "postgres" && hasPostgresServer()
          ? await startPostgresServer()
          : await startPglite({ dataDir: opts.dataDir && path.join(opts.dataDir, "pglite"), port: opts.ports?.db ?? (await freePort()) })
      stops.push(db.stop)
      databaseUrl = db.url
      log(`postgres (${db.kind}) on ${databaseUrl}`)
    }
    const { applied } = await migrate(databaseUrl)
    if (applied.length) log(`applied ${applied.length} migration(s)`)
    const auth = await startAuthEmulator({ databaseUrl, port: opts.ports?.auth ?? 0, smtpPort: 0, log: (l) => log(`[auth] ${l}`) })
    stops.push(auth.stop)
    const stripe = await startStripeEmulator({
      port: opts.ports?.stripe ?? 0,
      stateFile: opts.stripeState,
      webhooks: { retryDelaysMs: opts.webhookRetryDelaysMs },
      ...opts.stripeEmulator,
      log: (l) => log(`[stripe] ${l}`),
    })
    stops.push(stripe.stop)
    const webhookSecret = await prepareStripe(stripe.client(), databaseUrl, opts.appUrl, log)
    return {
      databaseUrl,
      database: db,
      authUrl: auth.url,
      stripe,
      webhookSecret,
      appEnv: {
        DATABASE_URL: databaseUrl,
        NEXT_PUBLIC_APP_URL: opts.appUrl,
        NEXT_PUBLIC_SUPABASE_URL: auth.url,
        STRIPE_API_BASE: stripe.url,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        // Billing emails into the auth emulator's mailbox over SMTP.
        SMTP_URL: auth.smtpUrl ?? "",
        // A production build (e2e, benchmarks) refuses emulator defaults unless told it runs offline.
        SUBKIT_OFFLINE: "1",
        // Every browser test and benchmark user signs up from this machine's one IP.
        AUTH_IP_LIMIT_SCALE: "1000",
      },
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => {})
      },
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {})
    throw err
  }
}
