// Pages first: webhook deliveries take turns while people's requests are in flight, never longer than
// the bound; the count of requests in flight comes from a real HTTP server (Node's diagnostics channel).
import http from "node:http"
import type { AddressInfo } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pagesFirst } from "@/lib/billing/sync/pace"
import { countPagesInFlight, pagesInFlight } from "@/lib/billing/sync/pages-in-flight"

/** `n` deliveries through the gate at once, each `ms` long; the most that were inside together. */
async function peak(n: number, ms: number, opts: Parameters<typeof pagesFirst>[1]) {
  let inside = 0
  let most = 0
  await Promise.all(
    Array.from({ length: n }, () =>
      pagesFirst(async () => {
        most = Math.max(most, ++inside)
        await sleep(ms)
        inside--
      }, opts),
    ),
  )
  return most
}

describe("pagesFirst (the webhook route's gate)", () => {
  it("lets every delivery through at once when no page is in flight", async () => {
    expect(await peak(8, 30, { slots: 2, pages: () => 0 })).toBe(8)
  })

  it("lets at most `slots` deliveries in at once while pages are in flight", async () => {
    expect(await peak(8, 20, { slots: 2, pages: () => 1, maxWaitMs: 10_000 })).toBe(2)
  })

  it("never holds a delivery longer than maxWaitMs, however long the pages last", async () => {
    const started = performance.now()
    // 6 deliveries of 300 ms each, 1 slot: taking turns would need 1.8 s; the bound lets the rest in at 100 ms.
    const most = await peak(6, 300, { slots: 1, pages: () => 1, maxWaitMs: 100 })
    expect(most).toBe(6)
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it("is off with slots 0", async () => {
    expect(await peak(5, 20, { slots: 0, pages: () => 3 })).toBe(5)
  })

  it("lets the waiting deliveries go as soon as the pages are done", async () => {
    let pages = 1
    setTimeout(() => (pages = 0), 50)
    const started = performance.now()
    // 1 slot, 4 deliveries of 100 ms: once the pages are done a finishing delivery lets all the others go.
    await peak(4, 100, { slots: 1, pages: () => pages, maxWaitMs: 10_000 })
    expect(performance.now() - started).toBeLessThan(380)
  })
})

describe("pagesInFlight (people's requests, counted from the HTTP server)", () => {
  let server: http.Server
  let url = ""
  const release: (() => void)[] = []
  beforeAll(async () => {
    countPagesInFlight()
    server = http.createServer((req, res) => {
      if (req.url?.startsWith("/slow")) release.push(() => res.end("ok"))
      else res.end("ok")
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it("counts a page until its response is done, and not webhook deliveries or the cron", async () => {
    const base = pagesInFlight()
    const page = fetch(`${url}/slow/pricing`).then((r) => r.text())
    const hook = fetch(`${url}/api/webhooks/stripe`, { method: "POST", body: "{}" }).then((r) => r.text())
    const cron = fetch(`${url}/api/cron/billing`).then((r) => r.text())
    await Promise.all([hook, cron])
    for (let i = 0; i < 50 && release.length === 0; i++) await sleep(10)
    expect(pagesInFlight()).toBe(base + 1)
    release.shift()?.()
    await page
    for (let i = 0; i < 50 && pagesInFlight() !== base; i++) await sleep(10)
    expect(pagesInFlight()).toBe(base)
  })

  it("stops counting a page whose client went away before the answer", async () => {
    const base = pagesInFlight()
    const abort = new AbortController()
    const page = fetch(`${url}/slow/manage`, { signal: abort.signal }).catch(() => "aborted")
    for (let i = 0; i < 50 && release.length === 0; i++) await sleep(10)
    expect(pagesInFlight()).toBe(base + 1)
    abort.abort()
    await page
    for (let i = 0; i < 100 && pagesInFlight() !== base; i++) await sleep(10)
    expect(pagesInFlight()).toBe(base)
    release.shift()?.()
  })
})
