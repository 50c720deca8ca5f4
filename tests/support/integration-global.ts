// Integration tests share one real Postgres (a throwaway server where the binaries exist, else
// PGlite), migrated, and one Stripe emulator with the catalog set up.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import path from "node:path"
import type { TestProject } from "vitest/node"
import { ContractRecorder, formatReport, mergeReports, type ContractReport } from "@subkit/stripe-emulator/contract/recorder"
import { startStripeEmulator } from "@subkit/stripe-emulator"
import { startAuthEmulator } from "@subkit/supabase-auth-emulator"
import { freePort, hasPostgresServer, startPglite, startPostgresServer } from "../../scripts/lib/local-db"
import { migrate } from "../../scripts/lib/migrate"
import { setupStripe } from "../../scripts/lib/stripe-setup"
import { startStripeProxy } from "../../scripts/lib/stripe-proxy"

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string
    databaseKind: string
    stripeUrl: string
    stripeSecretKey: string
    /** The app's Stripe: a fault-injecting proxy in front of the emulator. */
    appStripeUrl: string
    /** The one SMTP server every test process sends the app's emails to (as production has one). */
    smtpUrl: string
    /** Its mailbox (an auth emulator's /_mailbox), read with tests/support/auth-emulator.ts `mails`. */
    mailUrl: string
  }
}

/** Test files that start their own emulator leave their contract report here (tests/support/contract.ts). */
export const CONTRACT_PARTS = path.resolve(import.meta.dirname, "../../.data/stripe-contract")

export default async function setup(project: TestProject) {
  rmSync(CONTRACT_PARTS, { recursive: true, force: true })
  mkdirSync(CONTRACT_PARTS, { recursive: true })
  const db = hasPostgresServer() ? await startPostgresServer() : await startPglite({ port: await freePort() })
  await migrate(db.url)
  // The contract check: every response and event the tests see is validated against Stripe's shapes.
  const contract = new ContractRecorder()
  const stripe = await startStripeEmulator({
    port: 0,
    log: () => {},
    secretKey: "sk_test_integration",
    webhooks: { retryDelaysMs: [50, 100] },
    contract,
  })
  await setupStripe(stripe.client(), db.url, "http://localhost:3999")
  project.provide("databaseUrl", db.url)
  project.provide("databaseKind", db.kind)
  const proxy = await startStripeProxy(stripe.url)
  project.provide("stripeUrl", stripe.url)
  project.provide("stripeSecretKey", stripe.secretKey)
  project.provide("appStripeUrl", proxy.url)
  // One mail sink for every file: the email outbox is shared by the files (one database), and any file's
  // flush (the drain after a webhook, a test's own) may send another file's row, so they must all reach
  // the same mailbox. Each test reads the mails to its own unique addresses.
  const mail = await startAuthEmulator({ databaseUrl: db.url, port: 0, smtpPort: 0, kdf: { N: 1024, r: 8, p: 1 }, log: () => {} })
  project.provide("smtpUrl", mail.smtpUrl ?? "")
  project.provide("mailUrl", mail.url)
  return async () => {
    await proxy.stop()
    await mail.stop()
    const parts = readdirSync(CONTRACT_PARTS).map((f) => JSON.parse(readFileSync(path.join(CONTRACT_PARTS, f), "utf8")) as ContractReport)
    const report = mergeReports([contract.report(), ...parts])
    console.log(formatReport(report))
    writeFileSync(path.resolve(import.meta.dirname, "../../.data/stripe-contract-report.json"), JSON.stringify(report, null, 2))
    await stripe.stop()
    await db.stop()
    if (report.drift.length)
      throw new Error(`Stripe contract: ${report.drift.length} responses or events drift from Stripe's shapes (see above)`)
  }
}
