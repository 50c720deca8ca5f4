// npm run stripe:webhook against the Stripe emulator, through the real SDK and as the CLI a
// newcomer runs: one endpoint, exactly the handled events, our API version, the secret printed once.
import { execFile } from "node:child_process"
import path from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, inject, it } from "vitest"
import { HANDLED_EVENT_TYPES, STRIPE_API_VERSION } from "@/lib/stripe"
import { ensureWebhookEndpoint } from "../../scripts/lib/stripe-webhook"
import { stripeClient } from "../support/helpers"
import { must } from "../support/must"

const root = path.resolve(import.meta.dirname, "../..")
// Nothing listens on the discard port: the emulator's deliveries fail fast and touch no other test.
const APP = "http://127.0.0.1:9"
const URL_ = `${APP}/api/webhooks/stripe`
const events = [...HANDLED_EVENT_TYPES].sort()

async function endpointsAt(url: string) {
  return (await stripeClient().webhookEndpoints.list({ limit: 100 })).data.filter((e) => e.url === url)
}

afterAll(async () => {
  for (const url of [URL_, `${APP}/cli/api/webhooks/stripe`])
    for (const ep of await endpointsAt(url)) await stripeClient().webhookEndpoints.del(ep.id)
})

describe("ensureWebhookEndpoint", () => {
  it("creates one endpoint with exactly the handled events at our API version, then leaves it alone", async () => {
    const first = await ensureWebhookEndpoint(stripeClient(), APP)
    expect(first.action).toBe("created")
    expect(first.secret).toMatch(/^whsec_/)
    expect(first.problems).toEqual([])
    const [ep] = await endpointsAt(URL_)
    expect([...(ep?.enabled_events ?? [])].sort()).toEqual(events)
    expect(ep?.api_version).toBe(STRIPE_API_VERSION)

    const second = await ensureWebhookEndpoint(stripeClient(), `${APP}/`)
    expect(second.action).toBe("unchanged")
    expect(second.secret).toBeUndefined()
    expect(second.problems).toEqual([])
    expect(second.endpoint.id).toBe(first.endpoint.id)
  })

  it("puts back the event list when someone changed it in the Dashboard", async () => {
    const [ep] = await endpointsAt(URL_)
    await stripeClient().webhookEndpoints.update(must(ep, "ep").id, { enabled_events: ["*"] })
    const result = await ensureWebhookEndpoint(stripeClient(), APP)
    expect(result.action).toBe("updated")
    expect(result.secret).toBeUndefined()
    expect([...result.endpoint.enabled_events].sort()).toEqual(events)
  })

  it("reports duplicates and recreates one endpoint with a new secret on request", async () => {
    await stripeClient().webhookEndpoints.create({ url: URL_, enabled_events: ["*"] })
    const dup = await ensureWebhookEndpoint(stripeClient(), APP)
    expect(dup.problems.join()).toMatch(/more endpoint\(s\) point at/)
    const before = (await endpointsAt(URL_)).map((e) => e.id)
    const again = await ensureWebhookEndpoint(stripeClient(), APP, { recreate: true })
    expect(again.action).toBe("recreated")
    expect(again.secret).toMatch(/^whsec_/)
    const after = await endpointsAt(URL_)
    expect(after.map((e) => e.id)).toEqual([again.endpoint.id])
    expect(before).not.toContain(again.endpoint.id)
  })
})

describe("npm run stripe:webhook", () => {
  const run = (...args: string[]) =>
    promisify(execFile)(path.join(root, "node_modules/.bin/tsx"), ["scripts/stripe-webhook.ts", ...args], {
      cwd: root,
      env: {
        NODE_ENV: "development",
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        STRIPE_SECRET_KEY: inject("stripeSecretKey"),
        STRIPE_API_BASE: inject("stripeUrl"),
        NEXT_PUBLIC_APP_URL: `${APP}/cli`,
      },
    })

  it("prints the new endpoint's secret, then says it is unchanged", async () => {
    const first = await run()
    expect(first.stdout).toMatch(/^created webhook endpoint we_\w+ \(test mode\)/)
    expect(first.stdout).toContain(`events   ${events.join(", ")}`)
    const secret = /STRIPE_WEBHOOK_SECRET=(whsec_\w+)/.exec(first.stdout)?.[1]
    expect(secret).toBeDefined()
    const second = await run()
    expect(second.stdout).toMatch(/^unchanged webhook endpoint/)
    expect(second.stdout).not.toContain("whsec_")
  })
})
