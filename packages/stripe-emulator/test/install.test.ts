// The package as another project gets it: `npm pack`, installed from the tarball into an empty project that
// has only the official `stripe` SDK, started through its `bin`, and a short flow through the SDK: product →
// price → Checkout completed on the hosted page (its form posted with fetch) → subscription → portal
// session → a signed webhook received by a plain http server and verified with stripe.webhooks.constructEvent.
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import http from "node:http"
import type { AddressInfo } from "node:net"
import os from "node:os"
import path from "node:path"
import Stripe from "stripe"
import { afterAll, beforeAll, expect, it } from "vitest"
import { must } from "./support"

const pkgDir = path.resolve(import.meta.dirname, "..")
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } })
let dir = ""
let proc: ChildProcess | undefined

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "stripe-emulator-install-"))
  const pack = (from: string) => path.join(dir, npm(["pack", "--pack-destination", dir, "--silent"], from).trim().split("\n").pop() ?? "")
  // The package depends on @subkit/local-only (0.1.0), packed beside it as a registry would serve it.
  const localOnly = pack(path.resolve(pkgDir, "../local-only"))
  const tarball = pack(pkgDir)
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  const stripeVersion = (JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { peerDependencies: { stripe: string } })
    .peerDependencies.stripe
  npm(["install", "--prefer-offline", "--no-save", `stripe@${stripeVersion}`, localOnly, tarball], dir)
}, 240_000)

afterAll(() => {
  proc?.kill("SIGTERM")
  rmSync(dir, { recursive: true, force: true })
})

/** Starts the installed bin on a free port and resolves with the URL it prints. */
function startBin(args: string[]): Promise<string> {
  const bin = path.join(dir, "node_modules/.bin/stripe-emulator")
  proc = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
  return new Promise((resolve, reject) => {
    let out = ""
    const onData = (c: Buffer) => {
      out += c.toString()
      const m = out.match(/Stripe emulator on (http:\/\/\S+)/)
      if (m?.[1]) resolve(m[1])
    }
    proc?.stdout?.on("data", onData)
    proc?.stderr?.on("data", (c: Buffer) => (out += c.toString()))
    proc?.on("exit", (code) => reject(new Error(`stripe-emulator exited ${code}: ${out}`)))
  })
}

it("installs from its tarball with only stripe, starts through its bin and runs Checkout, the portal and a signed webhook", async () => {
  const installed = JSON.parse(readFileSync(path.join(dir, "node_modules/@subkit/stripe-emulator/package.json"), "utf8")) as {
    bin: Record<string, string>
  }
  expect(Object.keys(installed.bin)).toEqual(["stripe-emulator"])
  // Its loopback rule comes from the one @subkit/local-only package, not a copy of its own.
  expect(existsSync(path.join(dir, "node_modules/@subkit/local-only/src/index.ts"))).toBe(true)
  expect(existsSync(path.join(dir, "node_modules/@subkit/stripe-emulator/src/local-only.ts"))).toBe(false)
  const key = "sk_test_install_proof"
  const url = new URL(await startBin(["--port", "0", "--in-memory", "--secret-key", key, "--account-name", "Proof Ltd"]))
  const stripe = new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: "http" })

  const received: Stripe.Event[] = []
  let whsec = ""
  const hook = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => (body += c.toString()))
    req.on("end", () => {
      try {
        received.push(stripe.webhooks.constructEvent(body, String(req.headers["stripe-signature"]), whsec))
        res.writeHead(200).end()
      } catch {
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r))
  try {
    const endpoint = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      enabled_events: ["checkout.session.completed"],
    })
    whsec = must(endpoint.secret, "endpoint secret")

    const product = await stripe.products.create({ name: "Pro" })
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1200, recurring: { interval: "month" } })
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://consumer.test/ok?session={CHECKOUT_SESSION_ID}",
    })
    const page = await (await fetch(must(session.url, "session url"))).text()
    expect(page).toContain("Proof Ltd")
    const paid = await fetch(must(session.url, "session url"), {
      method: "POST",
      body: new URLSearchParams({ email: "buyer@example.com", cardnumber: "4242 4242 4242 4242", exp: "12 / 34", cvc: "123", name: "B" }),
      redirect: "manual",
    })
    expect(paid.status).toBe(303)
    expect(paid.headers.get("location")).toBe(`http://consumer.test/ok?session=${session.id}`)

    const done = await stripe.checkout.sessions.retrieve(session.id)
    expect(done.status).toBe("complete")
    const sub = await stripe.subscriptions.retrieve(must(done.subscription as string | null, "subscription"))
    expect(sub.status).toBe("active")
    expect(sub.items.data[0]?.price.id).toBe(price.id)

    const configuration = await stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: true }, payment_method_update: { enabled: true } },
    })
    const portal = await stripe.billingPortal.sessions.create({
      configuration: configuration.id,
      customer: sub.customer as string,
      return_url: "http://consumer.test/account",
    })
    expect((await fetch(portal.url)).status).toBe(200)

    for (let i = 0; i < 100 && !received.length; i++) await new Promise((r) => setTimeout(r, 50))
    expect(received.map((e) => e.type)).toEqual(["checkout.session.completed"])
    expect((received[0]?.data.object as Stripe.Checkout.Session).id).toBe(session.id)
  } finally {
    await new Promise((r) => hook.close(r))
  }
})
