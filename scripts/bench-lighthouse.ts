// npm run bench:lighthouse -- [--runs 3] [--mobile-only]: Lighthouse (mobile, its default, and desktop)
// on /, /pricing and /auth/login signed out and on /subscription, /subscription/manage and /team as a
// subscribed customer, against the production build on the offline stack, in the system Chromium.
// Each page is measured --runs times; the table and the last line, `RESULT {json}` ({ mobile: { path:
// { performance, accessibility, best-practices, seo } }, desktop: … }), give the medians. Target: 100
// in every category on mobile. Results: docs/benchmarks.md.
// The machine is shared, so each run also measures reference pages (--reference, comma-separated; "" for
// none), before the app's pages and again after them: `/legal/terms` is Next and React with the app's
// shell only (root layout, a server-rendered page, no client component of its own: what the framework
// alone scores under the same load), and `nojs:/legal/terms` the same HTML and CSS with every script
// taken out, served by this script (what the machine scores with no JavaScript at all). Printed, and on a
// `REFERENCE {json}` line before RESULT, never counted as targets. The load average is printed too.
import { randomUUID } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { loadavg } from "node:os"
import path from "node:path"
import { parseArgs } from "node:util"
import * as chromeLauncher from "chrome-launcher"
import lighthouse, { desktopConfig, type Flags } from "lighthouse"
import { chromium } from "playwright-core"
import { buildUnlessSkipped, startNext } from "./lib/bench/next-build"
import { CHROMIUM, HEADLESS_ARGS } from "./lib/chromium"
import { freePort, waitForPort } from "./lib/local-db"
import { startStack } from "./lib/stack"

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const
type Category = (typeof CATEGORIES)[number]
const TARGET = 100
const SIGNED_OUT_PAGES = ["/", "/pricing", "/auth/login"]
const SIGNED_IN_PAGES = ["/subscription", "/subscription/manage", "/team"]
const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "mobile-only": { type: "boolean", default: false },
    /** Only these paths (comma-separated), e.g. --pages /subscription/manage. */
    pages: { type: "string" },
    /** Writes every run's full Lighthouse report (JSON) into this directory. */
    save: { type: "string" },
    reference: { type: "string", default: "/legal/terms,nojs:/legal/terms" },
  },
})
const ONLY = args.pages?.split(",")
const only = (pages: string[]) => (ONLY ? pages.filter((p) => ONLY.includes(p)) : pages)
const REFERENCE_PAGES = args.reference.split(",").filter(Boolean)
const RUNS = Number(args.runs)
const FORM_FACTORS = args["mobile-only"] ? (["mobile"] as const) : (["mobile", "desktop"] as const)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

async function main() {
  buildUnlessSkipped(Boolean(process.env.BENCH_SKIP_BUILD))
  const port = await freePort()
  const appUrl = `http://localhost:${port}`
  const stack = await startStack({ appUrl, database: "postgres", log: () => {} })
  const app = startNext(port, { appEnv: stack.appEnv })
  // chrome-launcher starts Chrome as Lighthouse expects (its own profile, a debugging port); the sign-up
  // below drives the same browser over CDP, so its cookies are in the profile the measured tabs share.
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: HEADLESS_ARGS, logLevel: "error" })
  const progress = (line: string) => process.stderr.write(`${line}\n`)
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")
  const loadAtStart = load()
  const noJs = await serveWithoutScripts(appUrl)
  try {
    await waitForPort(port, 60_000)
    const flags: Flags = {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      disableStorageReset: true,
      onlyCategories: [...CATEGORIES],
    }
    const rows: string[] = []
    const result: Record<string, Record<string, Record<Category, number>>> = {}
    const reference: Record<string, Record<string, Record<Category, number>>> = {}
    let missed = 0
    const measure = async (pages: string[], label?: string) => {
      for (const formFactor of FORM_FACTORS) {
        for (const page of pages) {
          const pagePath = page.replace(/^nojs:/, "")
          const origin = page.startsWith("nojs:") ? noJs.url : appUrl
          const name = page.startsWith("nojs:") ? `${pagePath} (no JS, ${label})` : label ? `${pagePath} (${label})` : pagePath
          // Warm the route once so the measured loads are steady-state ones, as a deployed app's would be.
          await fetch(`${appUrl}${pagePath}`).catch(() => {})
          const runs: NonNullable<Awaited<ReturnType<typeof lighthouse>>>["lhr"][] = []
          for (let i = 0; i < RUNS; i++) {
            progress(`${formFactor} ${name} run ${i + 1}/${RUNS}`)
            const run = await lighthouse(`${origin}${pagePath}`, flags, formFactor === "desktop" ? desktopConfig : undefined)
            if (!run) throw new Error(`lighthouse returned nothing for ${pagePath}`)
            if (new URL(run.lhr.finalDisplayedUrl).pathname !== pagePath)
              throw new Error(`${pagePath} ended at ${run.lhr.finalDisplayedUrl}: signed in (or out) as expected?`)
            runs.push(run.lhr)
            if (args.save) {
              mkdirSync(args.save, { recursive: true })
              const file = `${formFactor}-${name.replaceAll(/[^a-z0-9]+/gi, "_")}-${i + 1}.json`
              writeFileSync(path.join(args.save, file), JSON.stringify(run.lhr))
            }
          }
          const scores = Object.fromEntries(
            CATEGORIES.map((id) => [id, median(runs.map((lhr) => Math.round((lhr.categories[id]?.score ?? 0) * 100)))]),
          ) as Record<Category, number>
          if (label) (reference[formFactor] ??= {})[name] = scores
          else (result[formFactor] ??= {})[pagePath] = scores
          const metric = (id: string) => median(runs.map((lhr) => lhr.audits[id]?.numericValue ?? 0))
          const cells = CATEGORIES.map((id) => {
            if (!label && scores[id] < TARGET && formFactor === "mobile") missed++
            return `${id} ${String(scores[id]).padStart(3)}`
          })
          rows.push(
            `${formFactor.padEnd(7)} ${name.padEnd(22)} ${cells.join("   ")}   LCP ${(metric("largest-contentful-paint") / 1000).toFixed(1)} s   TBT ${metric("total-blocking-time").toFixed(0)} ms   CLS ${metric("cumulative-layout-shift").toFixed(3)}   (runs: ${runs.map((lhr) => Math.round((lhr.categories.performance?.score ?? 0) * 100)).join("/")})`,
          )
          const failed = Object.values(runs[0]?.audits ?? {}).filter(
            (a) =>
              a.score !== null &&
              a.score < 0.9 &&
              a.scoreDisplayMode !== "informative" &&
              a.scoreDisplayMode !== "manual" &&
              a.scoreDisplayMode !== "notApplicable",
          )
          if (failed.length) rows.push(`        below 0.9 (first run): ${failed.map((a) => `${a.id} ${a.score}`).join(", ")}`)
        }
      }
    }
    await measure(REFERENCE_PAGES, "before")
    await measure(only(SIGNED_OUT_PAGES))

    if (only(SIGNED_IN_PAGES).length) {
      await subscribeCustomer(appUrl, chrome.port)
      await measure(only(SIGNED_IN_PAGES))
    }
    await measure(REFERENCE_PAGES, "after")

    console.log(
      `\nLighthouse ${(await import("lighthouse/package.json", { with: { type: "json" } })).default.version}, ${CHROMIUM}, production build, offline stack`,
    )
    console.log(`medians of ${RUNS} runs per page; load average (1, 5, 15 min) ${loadAtStart} at the start, ${load()} at the end`)
    for (const r of rows) console.log(r)
    console.log(missed ? `\n${missed} mobile score(s) below ${TARGET}` : `\nevery mobile score is ${TARGET}`)
    if (REFERENCE_PAGES.length) console.log(`REFERENCE ${JSON.stringify(reference)}`)
    console.log(`RESULT ${JSON.stringify(result)}`)
    process.exitCode = missed ? 1 : 0
  } finally {
    noJs.close()
    chrome.kill()
    const exited = new Promise((r) => app.once("exit", r))
    app.kill("SIGTERM")
    await exited
    await stack.stop()
  }
}

/**
 * The app's pages with every script taken out (HTML and stylesheets as the app serves them to a signed-out
 * visitor): a page needing no JavaScript, measured on the same machine under the same load.
 */
async function serveWithoutScripts(appUrl: string) {
  const server = createServer((req, res) => {
    fetch(`${appUrl}${req.url ?? "/"}`)
      .then(async (r) => {
        const type = r.headers.get("content-type") ?? "text/plain"
        const body = await r.text()
        if (!type.startsWith("text/html")) return void res.writeHead(r.status, { "content-type": type }).end(body)
        const bare = body
          .replaceAll(/<script\b[^>]*>[\s\S]*?<\/script>/g, "")
          .replaceAll(/<link\b[^>]*\bas="script"[^>]*>/g, "")
          .replaceAll(/(href|src)="\//g, `$1="${appUrl}/`)
        res.writeHead(r.status, { "content-type": type }).end(bare)
      })
      .catch((e: unknown) => res.writeHead(502).end(String(e)))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, close: () => server.close() }
}

/** Signs a customer up and subscribes them through Checkout in the measured browser (driven over CDP). */
async function subscribeCustomer(appUrl: string, debugPort: number) {
  process.stderr.write("signing up and subscribing a customer\n")
  // A subscribed customer, so /subscription, /subscription/manage and /team show what a customer sees
  // (cookies stay in this browser).
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${debugPort}`)
  const context = browser.contexts()[0]
  if (!context) throw new Error("no default browser context over CDP")
  const page = await context.newPage()
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
  await browser.close() // disconnects; Chrome and its cookies stay
}

await main()
