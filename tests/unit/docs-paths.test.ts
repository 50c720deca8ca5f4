// docs/architecture.md follows the tree: every repository path it names in backticks exists, and no
// tracked Markdown file keeps merge-conflict markers.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")
const TOP = /^(app|components|lib|packages|scripts|tests|supabase|docs|reference|spec)\//

/** The backticked paths of a Markdown text that start at one of the repository's top-level folders. */
export function namedPaths(markdown: string): string[] {
  const names = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1] ?? "")
  return [...new Set(names.map((n) => n.replace(/[.,:;)]+$/, "")).filter((n) => TOP.test(n)))]
}

function exists(p: string): boolean {
  const abs = path.join(root, p.replace(/\/$/, ""))
  return ["", ".ts", ".tsx", ".sql"].some((ext) => existsSync(abs + ext))
}

describe("docs/architecture.md", () => {
  it("names only paths that exist", () => {
    const named = namedPaths(readFileSync(path.join(root, "docs/architecture.md"), "utf8"))
    expect(named.length).toBeGreaterThan(20)
    expect(named.filter((p) => !exists(p))).toEqual([])
  })

  it("the extraction sees a missing path", () => {
    expect(namedPaths("see `lib/billing/nowhere.ts`, and `x`").filter((p) => !exists(p))).toEqual(["lib/billing/nowhere.ts"])
  })
})

describe("Markdown files", () => {
  it("keep no merge-conflict markers", () => {
    const md = execFileSync("git", ["ls-files", "*.md"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean)
    const marked = md.filter((f) => /^(<{7}|>{7}|={7})( |$)/m.test(readFileSync(path.join(root, f), "utf8")))
    expect(marked).toEqual([])
  })
})
