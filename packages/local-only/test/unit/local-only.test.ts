// The loopback-only rule itself, on hand-made requests (the emulators' use of it: tests/unit/emulators-local-only.test.ts).
import type http from "node:http"
import { describe, expect, it } from "vitest"
import { foreignRequest, isOwnOrigin } from "@subkit/local-only"

const req = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage

describe("@subkit/local-only", () => {
  it("answers this machine's own tools: a loopback Host, no Origin or the tool's own", () => {
    expect(foreignRequest(req({ host: "127.0.0.1:12111" }), 12111)).toBeNull()
    expect(foreignRequest(req({ host: "localhost:12111", origin: "http://localhost:12111" }), 12111)).toBeNull()
    expect(foreignRequest(req({ host: "[::1]:12111", "sec-fetch-site": "same-origin" }), 12111)).toBeNull()
  })

  it("refuses DNS rebinding (a foreign Host), cross-site fetches and other origins, even on loopback", () => {
    expect(foreignRequest(req({ host: "evil.example:12111" }), 12111)).toMatch(/not evil\.example:12111/)
    expect(foreignRequest(req({}), 12111)).toMatch(/not no host/)
    expect(foreignRequest(req({ host: "127.0.0.1:12111", "sec-fetch-site": "cross-site" }), 12111)).toMatch(/cross-origin/)
    expect(foreignRequest(req({ host: "127.0.0.1:12111", "sec-fetch-site": "same-site" }), 12111)).toMatch(/cross-origin/)
    expect(foreignRequest(req({ host: "127.0.0.1:12111", origin: "http://localhost:3000" }), 12111)).toMatch(
      /origin http:\/\/localhost:3000/,
    )
    expect(foreignRequest(req({ host: "127.0.0.1:12111", origin: "null" }), 12111)).toMatch(/origin null/)
  })

  it("isOwnOrigin: http on a loopback host, any port unless one is named", () => {
    expect(isOwnOrigin("http://localhost:3000")).toBe(true)
    expect(isOwnOrigin("http://127.0.0.1:3000", 3000)).toBe(true)
    expect(isOwnOrigin("http://127.0.0.1:3000", 54321)).toBe(false)
    expect(isOwnOrigin("https://localhost:3000")).toBe(false)
    expect(isOwnOrigin("http://localhost.evil.example")).toBe(false)
    expect(isOwnOrigin("null")).toBe(false)
  })
})
