// docs/deploy.md shows only commands that exist, and only variables lib/env.ts knows.
import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { PRODUCTION_VARIABLES } from "@/lib/env"

const root = path.resolve(import.meta.dirname, "../..")
const doc = readFileSync(path.join(root, "docs/deploy.md"), "utf8")
const scripts = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts

describe("docs/deploy.md", () => {
  it("runs only npm scripts that exist", () => {
    const used = [...doc.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1] ?? "")
    expect(used.length).toBeGreaterThan(3)
    expect(used.filter((s) => !(s in scripts))).toEqual([])
  })

  it("lists every variable production requires", () => {
    for (const name of Object.keys(PRODUCTION_VARIABLES)) expect(doc).toContain(`| \`${name}\` |`)
  })

  it("documents the cron vercel.json schedules", () => {
    const vercel = JSON.parse(readFileSync(path.join(root, "vercel.json"), "utf8")) as { crons: { path: string }[] }
    for (const cron of vercel.crons) expect(doc).toContain(cron.path)
  })

  it("email templates: the reset link lands on /auth/reset-password, every token_hash link names its account", () => {
    const links = [...doc.matchAll(/\{\{ \.SiteURL \}\}\/auth\/confirm\?[^"`]+/g)].map((m) => m[0])
    expect(links.length).toBeGreaterThanOrEqual(4)
    expect(links.find((l) => l.includes("type=recovery"))).toContain("next=/auth/reset-password")
    for (const link of links) expect(link).toContain("email={{ .Email }}")
  })

  it("says preview and production use separate databases (issue 23, item 7)", () => {
    expect(doc).toContain("Preview and Production use **separate databases**")
  })
})
