import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")
function files(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name)
    return statSync(path.join(root, rel)).isDirectory() ? files(rel) : /\.(ts|tsx)$/.test(name) ? [rel] : []
  })
}
const appCode = [...files("app"), ...files("lib"), ...files("components"), "proxy.ts"]

describe("one code path", () => {
  it("app code never imports the emulator packages, the scripts or the tests", () => {
    const offenders = appCode.filter((f) =>
      /from\s+["'](\.\.?\/)+(packages|scripts|tests)\/|from\s+["']@\/(packages|scripts|tests)\/|from\s+["']@subkit\//.test(
        readFileSync(path.join(root, f), "utf8"),
      ),
    )
    expect(offenders).toEqual([])
  })

  it("app code never branches on an emulator or mock mode", () => {
    const offenders = appCode.filter((f) =>
      /\b(isEmulator|EMULATOR|mockMode|MOCK_MODE|useMock)\b/.test(readFileSync(path.join(root, f), "utf8")),
    )
    expect(offenders).toEqual([])
  })

  it("only lib/env.ts reads process.env", () => {
    const offenders = appCode.filter(
      (f) => f !== path.join("lib", "env.ts") && /process\.env/.test(readFileSync(path.join(root, f), "utf8")),
    )
    expect(offenders).toEqual([])
  })

  it("server modules are marked server-only", () => {
    const serverDirs = [
      "lib/db/client.ts",
      "lib/stripe/config.ts",
      "lib/billing/sync/apply.ts",
      "lib/billing/portal/open-portal.ts",
      "lib/billing/sync/drain.ts",
      "lib/stripe/customers.ts",
    ]
    for (const f of serverDirs) expect(readFileSync(path.join(root, f), "utf8"), f).toContain('import "server-only"')
  })
})
