// npm run bench:lighthouse: Lighthouse (mobile, its default, and desktop) on /pricing and on
// /subscription/manage as a subscribed customer, against the production build on the offline stack,
// in the system Chromium. Prints the category scores next to the targets (performance ≥ 95,
// accessibility 100, best practices ≥ 95). Results: docs/benchmarks.md.
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import lighthouse, { desktopConfig, type Flags } from "lighthouse"
import { chromium } from "playwright-core"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { buildUnlessSkipped, nextBin, root } from "./lib/bench/next-build"
import { CHROMIUM, HEADLESS_ARGS } from "./lib/chromium"
import { freePort, waitForPort } from "./lib/local-db"
import { startStack } from "./lib/stack"

const TARGETS = { performance: 95, accessibility: 100, "best-practices": 95 } as const
const PAGES = ["/pricing", "/subscription/manage"]

async function main() {
  buildUnlessSkipped(Boolean(process.env.BENCH_SKIP_BUILD))
  const port = await freePort()
  const appUrl = `http://localhost:${port}`
  const stack = await startStack({ appUrl, database: "postgres", log: () => {} })
  const app = spawn(process.execPath, [nextBin, "start", "--port", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      ...stack.appEnv,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY,
      LOG_LEVEL: "error",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  })
  const debugPort = await freePort()
  // A persistent context is Chrome's default one, which the tab Lighthouse opens shares (cookies included).
  const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), "subkit-lighthouse-")), {
    executablePath: CHROMIUM,
    args: [...HEADLESS_ARGS, `--remote-debugging-port=${debugPort}`],
  })
  try {
    await waitForPort(port, 60_000)
    // A subscribed customer, so /subscription/manage shows what a customer sees (cookies stay in this browser).
    const page = await browser.newPage()
    await page.goto(`${appUrl}/auth/signup?next=%2Fpricing`)
    await page.getByLabel("Email").fill(`lighthouse-${randomUUID().slice(0, 8)}@example.com`)
    await page.getByLabel("Password").fill("correct-horse-battery")
    await page.getByRole("button", { name: "Create account" }).click()
    await page.waitForURL((u) => u.pathname === "/pricing")
    await page.waitForLoadState("networkidle")
    await page
      .getByTestId("plan-pro")
      .getByRole("button", { name: /Subscribe/ })
      .click()
    await page.waitForURL("**/c/pay/**")
    await page.getByLabel("Card number").fill("4242 4242 4242 4242")
    await page.getByLabel("Expiration").fill("12 / 34")
    await page.getByLabel("CVC").fill("123")
    await page.getByRole("button", { name: /Subscribe|Start trial/ }).click()
    await page.waitForURL("**/subscription/success**")
    await page.close()

    const flags: Flags = {
      port: debugPort,
      output: "json",
      logLevel: "error",
      disableStorageReset: true,
      onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
    }
    const rows: string[] = []
    let missed = 0
    for (const formFactor of ["mobile", "desktop"] as const) {
      for (const pagePath of PAGES) {
        // Warm the route once so the measured load is a steady-state one, as a deployed app's would be.
        await fetch(`${appUrl}${pagePath}`).catch(() => {})
        const result = await lighthouse(`${appUrl}${pagePath}`, flags, formFactor === "desktop" ? desktopConfig : undefined)
        if (!result) throw new Error(`lighthouse returned nothing for ${pagePath}`)
        const lhr = result.lhr
        if (new URL(lhr.finalDisplayedUrl).pathname !== pagePath)
          throw new Error(`${pagePath} ended at ${lhr.finalDisplayedUrl}: not signed in?`)
        const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100)
        const cells = (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).map((id) => {
          const ok = score(id) >= TARGETS[id]
          if (!ok && formFactor === "mobile") missed++
          return `${id} ${String(score(id)).padStart(3)}${ok ? "" : ` (< ${TARGETS[id]})`}`
        })
        const failed = Object.values(lhr.audits).filter(
          (a) =>
            a.score !== null &&
            a.score < 0.9 &&
            a.scoreDisplayMode !== "informative" &&
            a.scoreDisplayMode !== "manual" &&
            a.scoreDisplayMode !== "notApplicable",
        )
        rows.push(
          `${formFactor.padEnd(7)} ${pagePath.padEnd(22)} ${cells.join("   ")}   seo ${String(score("seo")).padStart(3)}   LCP ${lhr.audits["largest-contentful-paint"]?.displayValue ?? "?"}   TBT ${lhr.audits["total-blocking-time"]?.displayValue ?? "?"}   CLS ${lhr.audits["cumulative-layout-shift"]?.displayValue ?? "?"}`,
        )
        if (failed.length) rows.push(`        below 0.9: ${failed.map((a) => `${a.id} ${a.score}`).join(", ")}`)
      }
    }
    console.log(
      `\nLighthouse ${(await import("lighthouse/package.json", { with: { type: "json" } })).default.version}, ${CHROMIUM}, production build, offline stack`,
    )
    for (const r of rows) console.log(r)
    console.log(missed ? `\n${missed} mobile score(s) below target` : "\nevery mobile score meets its target")
    process.exitCode = missed ? 1 : 0
  } finally {
    await browser.close()
    const exited = new Promise((r) => app.once("exit", r))
    app.kill("SIGTERM")
    await exited
    await stack.stop()
  }
}

await main()
