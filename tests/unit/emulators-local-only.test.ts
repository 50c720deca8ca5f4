// The emulators listen on 127.0.0.1 only, and no web page can drive their admin endpoints.
import http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startAuthEmulator } from "@subkit/supabase-auth-emulator"
import { startStripeEmulator, type StripeEmulator } from "@subkit/stripe-emulator"

/** A raw request, so that Host, Origin and Sec-Fetch-Site are exactly what a browser would send. */
function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body = "") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers: { "content-type": "text/plain", ...headers } }, (res) => {
      let text = ""
      res.on("data", (c: Buffer) => (text += c.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on("error", reject)
    req.end(body)
  })
}

describe("Stripe emulator admin endpoints", () => {
  let emu: StripeEmulator
  beforeAll(async () => {
    emu = await startStripeEmulator({ port: 0, log: () => {} })
  })
  afterAll(() => emu.stop())

  it("listens on 127.0.0.1 by default", () => {
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`)
  })

  it("refuse a cross-origin page (a text/plain POST needs no preflight) and change nothing", async () => {
    // The clock's `now` follows real time (a second may tick between the reads); its offset moves only by an advance.
    const offset = async () => (JSON.parse((await request(emu.port, "GET", "/_emulator/clock")).body) as { offset: number }).offset
    const before = await offset()
    await emu.client().customers.create({ email: "keep@example.com" })
    const foreign: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://localhost:3000" },
      { "sec-fetch-site": "cross-site" },
    ]
    for (const headers of foreign) {
      const res = await request(emu.port, "POST", "/_emulator/reset", headers, "{}")
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(res.headers["access-control-allow-origin"]).toBeUndefined()
      expect((await request(emu.port, "POST", "/_emulator/clock/advance", headers, '{"days":30}')).status).toBe(403)
    }
    expect((await emu.client().customers.list()).data).toHaveLength(1)
    expect(await offset()).toBe(before)
  })

  it("refuse a foreign Host (DNS rebinding)", async () => {
    const res = await request(emu.port, "POST", "/_emulator/reset", { host: `rebind.evil.example:${emu.port}` }, "{}")
    expect(res.status).toBe(403)
    expect(res.body).toContain("127.0.0.1 or localhost")
  })

  it("answer local tools (curl, the tests) and the emulator's own pages", async () => {
    expect((await request(emu.port, "GET", "/_emulator/health")).status).toBe(200)
    expect((await request(emu.port, "GET", "/_emulator/health", { host: `localhost:${emu.port}` })).status).toBe(200)
    expect(
      (await request(emu.port, "GET", "/_emulator/health", { origin: `http://127.0.0.1:${emu.port}`, "sec-fetch-site": "same-origin" }))
        .status,
    ).toBe(200)
  })
})

describe("Supabase Auth emulator", () => {
  let auth: Awaited<ReturnType<typeof startAuthEmulator>>
  beforeAll(async () => {
    // Nothing here touches the database; the pool connects lazily.
    auth = await startAuthEmulator({ databaseUrl: "postgres://nobody@127.0.0.1:1/none", port: 0, log: () => {} })
  })
  afterAll(() => auth.stop())

  it("listens on 127.0.0.1 by default", () => {
    expect(auth.url).toBe(`http://127.0.0.1:${auth.port}`)
  })

  it("grants CORS to pages on this machine only", async () => {
    const evil = await request(auth.port, "OPTIONS", "/auth/v1/signup", { origin: "https://evil.example" })
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined()
    const local = await request(auth.port, "OPTIONS", "/auth/v1/signup", { origin: "http://localhost:3000" })
    expect(local.headers["access-control-allow-origin"]).toBe("http://localhost:3000")
  })
})
