// Integration tests share one real Postgres (a throwaway server where the binaries exist, else
// PGlite), migrated, and one Stripe emulator with the catalog set up.
import type { TestProject } from "vitest/node"
import { startStripeEmulator } from "../../emulators/stripe/server"
import { freePort, hasPostgresServer, startPglite, startPostgresServer } from "../../scripts/lib/local-db"
import { migrate } from "../../scripts/lib/migrate"
import { setupStripe } from "../../scripts/lib/stripe-setup"
import { startStripeProxy } from "../../scripts/lib/stripe-proxy"

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
    databaseKind: string
    stripeUrl: string
    /** The app's Stripe: a fault-injecting proxy in front of the emulator. */
    appStripeUrl: string
  }
}

export default async function setup(project: TestProject) {
  const db = hasPostgresServer() ? await startPostgresServer() : await startPglite({ port: await freePort() })
  await migrate(db.url)
  const stripe = await startStripeEmulator({ port: 0, log: () => {}, webhooks: { retryDelaysMs: [50, 100] } })
  await setupStripe(stripe.client(), db.url, "http://localhost:3999")
  project.provide("databaseUrl", db.url)
  project.provide("databaseKind", db.kind)
  const proxy = await startStripeProxy(stripe.url)
  project.provide("stripeUrl", stripe.url)
  project.provide("appStripeUrl", proxy.url)
  return async () => {
    await proxy.stop()
    await stripe.stop()
    await db.stop()
  }
}
