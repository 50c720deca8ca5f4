// The production build as deployed: a health route, security headers that keep Stripe's hosted
// pages working, and a server that refuses to start without its configuration.
import { spawn } from "node:child_process"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { PRODUCTION_VARIABLES } from "@/lib/env"
import { freePort } from "../../scripts/lib/local-db"
import { app, sharedBrowser, signUp, subscribe } from "../support/browser"

const browser = sharedBrowser()
const root = path.resolve(import.meta.dirname, "../..")

describe("production build", () => {
  it("NODE_ENV=production next start with nothing configured exits non-zero, naming every variable", async () => {
    const port = await freePort()
    const child = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "--port", String(port)], {
      cwd: root,
      // Only what any shell has: no app configuration at all.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (child.kill("SIGKILL"), resolve(null)), 60_000)
      child.once("exit", (c) => (clearTimeout(timer), resolve(c)))
    })
    expect(code, output).not.toBe(0)
    expect(code, "it exited by itself").not.toBeNull()
    for (const name of Object.keys(PRODUCTION_VARIABLES)) expect(output).toContain(`${name} is required in production`)
    expect(output).not.toMatch(/^\s+at /m) // a message, not a stack trace
    // It never served a request.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow()
  })

  it("/api/health reports the database and Stripe", async () => {
    const res = await fetch(app("/api/health"))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: "ok", checks: { database: { ok: true }, stripe: { ok: true, mode: "test" } } })
    expect(res.headers.get("x-content-type-options")).toBe("nosniff")
  })

  it("serves pages with a per-request nonce CSP that Next's own scripts carry", async () => {
    const first = await fetch(app("/pricing"))
    const csp = first.headers.get("content-security-policy") ?? ""
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(csp).toContain("frame-ancestors 'none'")
    expect(first.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin")
    expect(first.headers.get("x-content-type-options")).toBe("nosniff")
    expect(first.headers.get("x-frame-options")).toBe("DENY")
    const html = await first.text()
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
    const second = await fetch(app("/pricing"))
    expect(second.headers.get("content-security-policy")).not.toBe(csp)
  })

  it("a customer subscribes and opens the portal with the CSP on and not one violation", async () => {
    const page = await browser().newPage()
    const violations: string[] = []
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text())
    })
    await signUp(page, "/pricing")
    await subscribe(page)
    expect(page.url()).toContain("/subscription/success")
    await page.goto(app("/subscription/manage"), { waitUntil: "networkidle" })
    await page.getByRole("button", { name: "Manage Subscription" }).first().click()
    await page.waitForURL("**/p/session/**")
    expect(violations).toEqual([])
  })
})
