// safeNext() over generated inputs: whatever comes in, what goes out is a path on our own origin.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ownPath, safeNext } from "@/lib/auth/safe-next"

const ORIGIN = "https://app.example"

/** What a browser would do with the result as a Location or href on our origin. */
function staysHome(out: string) {
  return out.startsWith("/") && !out.startsWith("//") && !out.startsWith("/\\") && new URL(out, ORIGIN).origin === ORIGIN
}

// Pieces attackers combine: slashes both ways, dot segments, encodings, schemes, hosts, control chars.
const piece = fc.constantFrom(
  "/",
  "\\",
  ".",
  "..",
  "./",
  "../",
  "%2f",
  "%5c",
  "%2e",
  "evil.com",
  "@",
  ":",
  "http:",
  "https://",
  "javascript:",
  "\t",
  "\n",
  "\r",
  " ",
  "?",
  "#",
  "a",
  "dashboard",
  "%09",
  "\u3002",
  "／",
)
const crafted = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""))
const input = fc.oneof(
  crafted,
  fc.string(),
  fc.webUrl(),
  crafted.map((s) => `/${s}`),
)

describe("safeNext", () => {
  it("never returns a protocol-relative, backslash or off-site path (fast-check)", () => {
    fc.assert(
      fc.property(input, (raw) => {
        const out = safeNext(raw)
        expect(staysHome(out), `${JSON.stringify(raw)} → ${JSON.stringify(out)}`).toBe(true)
      }),
      { numRuns: 20_000 },
    )
  })

  it("is idempotent: a result passed back in comes out unchanged", () => {
    fc.assert(
      fc.property(input, (raw) => safeNext(safeNext(raw)) === safeNext(raw)),
      { numRuns: 5_000 },
    )
  })

  it("refuses the inputs found in review and keeps ordinary paths", () => {
    for (const bad of [
      "/.//evil.com",
      "/./\\evil.com",
      "/%2e//evil.com",
      "/..//evil.com",
      "//evil.com",
      "/\\evil.com",
      "https://evil.com",
      "/\t/evil.com",
    ])
      expect(staysHome(safeNext(bad)), bad).toBe(true)
    expect(safeNext("/.//evil.com")).toBe("/dashboard")
    expect(safeNext("/subscription/manage?x=1#top")).toBe("/subscription/manage?x=1#top")
    expect(safeNext(null)).toBe("/dashboard")
    expect(safeNext("/account", "/x")).toBe("/account")
  })

  it("ownPath: the app's own absolute URLs become paths (Supabase's {{ .RedirectTo }}); any other stays for safeNext to refuse", () => {
    const app = "https://app.example.com"
    expect(safeNext(ownPath("https://app.example.com/invite?token=abc", app))).toBe("/invite?token=abc")
    expect(safeNext(ownPath("https://evil.example.com/invite?token=abc", app))).toBe("/dashboard")
    expect(safeNext(ownPath("https://app.example.com.evil.com/x", app))).toBe("/dashboard")
    expect(safeNext(ownPath("http://app.example.com/x", app))).toBe("/dashboard")
    expect(safeNext(ownPath("/subscription", app))).toBe("/subscription")
    expect(safeNext(ownPath("not a url", app))).toBe("/dashboard")
    fc.assert(fc.property(input, (raw) => !/^(\/\/|\/\\)/.test(safeNext(ownPath(raw, app)))))
  })
})
