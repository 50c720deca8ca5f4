// Browser tests run the production build (next build + next start) against the offline stack:
// a throwaway Postgres (PGlite where no server binaries exist), both emulators, the catalog.
import { execFileSync, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import path from "node:path"
import type { TestProject } from "vitest/node"
import { LOCAL_SUPABASE_ANON_KEY } from "../../lib/env"
import { freePort, waitForPort } from "../../scripts/lib/local-db"
import { startStack } from "../../scripts/lib/stack"
import { ContractRecorder, formatReport } from "@subkit/stripe-emulator/contract/recorder"

declare module "vitest" {
  export interface ProvidedContext {
    appUrl: string
    e2eDatabaseUrl: string
    e2eStripeUrl: string
    e2eAuthUrl: string
    /** The app's environment without BILLING_TRIALS, for a suite that starts its own `next start` (tests/e2e/trial.test.ts). */
    e2eAppEnv: Record<string, string>
  }
}

const root = path.resolve(import.meta.dirname, "../..")
const next = path.join(root, "node_modules/next/dist/bin/next")

export default async function setup(project: TestProject) {
  if (!process.env.SUBKIT_E2E_SKIP_BUILD)
    execFileSync(process.execPath, [next, "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } })
  const port = await freePort()
  const appUrl = `http://localhost:${port}`
  // The app's own Stripe calls (through the browser flows) go through the contract check too.
  const contract = new ContractRecorder()
  const stack = await startStack({
    appUrl,
    database: "postgres",
    webhookRetryDelaysMs: [200, 1000, 3000],
    log: () => {},
    stripeEmulator: { contract },
  })
  const appEnv: Record<string, string> = {
    ...stack.appEnv,
    NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY,
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    SUBKIT_OFFLINE: "1",
    // Usage reaches Stripe at the next flush after a request (production waits for 1,000 rows or 60 s, and the
    // cron sends it), so the browser's usage story can see it on Stripe before advancing the clock.
    USAGE_BATCH_MAX_AGE_S: "0",
  }
  const app = spawn(process.execPath, [next, "start", "--port", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      ...appEnv,
      // These suites drive paid subscriptions from the first charge. Free trials run on a second
      // `next start` of the same build with trials on (tests/e2e/trial.test.ts), sharing this stack.
      BILLING_TRIALS: "off",
    },
    stdio: ["ignore", "inherit", "inherit"],
  })
  await waitForPort(port, 60_000, () => (app.exitCode !== null ? `next start exited with ${app.exitCode}` : undefined))
  project.provide("appUrl", appUrl)
  project.provide("e2eDatabaseUrl", stack.databaseUrl)
  project.provide("e2eStripeUrl", stack.stripe.url)
  project.provide("e2eAuthUrl", stack.authUrl)
  project.provide("e2eAppEnv", appEnv)
  return async () => {
    app.kill("SIGTERM")
    await new Promise((r) => (app.exitCode !== null ? r(null) : app.once("exit", r)))
    await stack.stop()
    const report = contract.report()
    writeFileSync(path.join(root, ".data/stripe-contract-report.e2e.json"), JSON.stringify(report, null, 2))
    console.log(formatReport(report).replace("Stripe contract:", "Stripe contract (browser flows):"))
    if (report.drift.length)
      throw new Error(`Stripe contract: ${report.drift.length} responses or events drift from Stripe's shapes (see above)`)
  }
}
