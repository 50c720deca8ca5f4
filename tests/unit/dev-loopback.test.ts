// `npm run dev` serves an app whose emulators accept any test card and whose admin endpoints move
// time: it must listen on this machine only, not on every interface (Next's default).
import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"

describe("npm run dev", () => {
  it("starts next dev on 127.0.0.1", () => {
    const source = readFileSync(path.resolve(import.meta.dirname, "../../scripts/dev.ts"), "utf8")
    const call = /\[[^\]]*"dev"[^\]]*\]/.exec(source)?.[0] ?? ""
    expect(call).toMatch(/"(--hostname|-H)",\s*"127\.0\.0\.1"/)
  })
})
