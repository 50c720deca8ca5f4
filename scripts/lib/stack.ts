// Starts the offline stack in this process: Postgres (PGlite or a given URL), migrations, the auth
// and Stripe emulators, the catalog, and a webhook endpoint for the app. Used by `npm run dev`,
// the browser tests and the benchmark, so all three run exactly the same thing.
import path from "node:path"
import { startAuthEmulator } from "../../emulators/supabase-auth/server"
import { startStripeEmulator, type StripeEmulator } from "../../emulators/stripe/server"
import { startPglite, startPostgresServer, hasPostgresServer, freePort, type LocalDb } from "./local-db"
import { migrate } from "./migrate"
import { setupStripe } from "./stripe-setup"
import { ensureWebhookEndpoint } from "./stripe-webhook"

export type StackOptions = {
  appUrl: string
  /** "pglite" persists under dataDir; "postgres" is a throwaway server; a URL is used as is. */
  database: "pglite" | "postgres" | { url: string }
  dataDir?: string
  ports?: { db?: number; auth?: number; stripe?: number }
  stripeState?: string
  webhookRetryDelaysMs?: number[]
  log?: (line: string) => void
}

export type Stack = {
  databaseUrl: string
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
    const auth = await startAuthEmulator({ databaseUrl, port: opts.ports?.auth ?? 0, log: (l) => log(`[auth] ${l}`) })
    stops.push(auth.stop)
    const stripe = await startStripeEmulator({
      port: opts.ports?.stripe ?? 0,
      stateFile: opts.stripeState,
      webhooks: { retryDelaysMs: opts.webhookRetryDelaysMs },
      log: (l) => log(`[stripe] ${l}`),
    })
    stops.push(stripe.stop)
    const client = stripe.client()
    const setup = await setupStripe(client, databaseUrl, opts.appUrl)
    if (setup.changes.length) log(`stripe:setup: ${setup.changes.join(", ")}`)
    // The same endpoint `npm run stripe:webhook` makes in production: exactly the handled events.
    const { secret } = await ensureWebhookEndpoint(client, opts.appUrl, { recreate: true })
    if (!secret) throw new Error("the Stripe emulator returned no webhook secret")
    return {
      databaseUrl,
      authUrl: auth.url,
      stripe,
      webhookSecret: secret,
      appEnv: {
        DATABASE_URL: databaseUrl,
        NEXT_PUBLIC_APP_URL: opts.appUrl,
        NEXT_PUBLIC_SUPABASE_URL: auth.url,
        STRIPE_API_BASE: stripe.url,
        STRIPE_WEBHOOK_SECRET: secret,
        // A production build (e2e, benchmarks) refuses emulator defaults unless told it runs offline.
        SUBKIT_OFFLINE: "1",
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
