// The app's package.json lists what the app itself uses (#22): a dependency only an emulator package needs is that
// package's, and one nothing imports goes. Every name in `dependencies` and `devDependencies` must be imported, or
// run as a command or named in a config, by a file outside `packages/` and `node_modules/`.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")
type Manifest = { scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }

/** The app's own tracked files (not the packages'), as one text per file. */
function appSources(): string[] {
  const files = execFileSync("git", ["ls-files", "-z", "--", "*.ts", "*.tsx", "*.mjs", "*.cjs", "*.js", "*.css"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && !f.startsWith("packages/"))
  return files.map((f) => readFileSync(path.join(root, f), "utf8"))
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/** Names of `deps` that no source imports (or names in a config) and no script runs. */
export function unusedDependencies(manifest: Manifest, sources: string[]): string[] {
  const scripts = Object.values(manifest.scripts ?? {}).join("\n")
  const all = { ...manifest.dependencies, ...manifest.devDependencies }
  const used = (name: string): boolean => {
    // A type package is used when its package is (or always, for the runtime's and React's own types).
    if (name.startsWith("@types/")) {
      const of = name.slice("@types/".length)
      return ["node", "react", "react-dom"].includes(of) || used(of)
    }
    const specifier = new RegExp(`["'\`]${escape(name)}(?:/[^"'\`]*)?["'\`]`)
    if (sources.some((text) => specifier.test(text))) return true
    // A command: `eslint .`, `next build`, `tsx scripts/…`, `vitest run`, `prettier --check`, `tsc` (typescript).
    const bin = name === "typescript" ? "tsc" : name
    return new RegExp(`(^|[\\s;&|(])(npx )?${escape(bin)}(\\s|$)`, "m").test(scripts)
  }
  return Object.keys(all).filter((name) => !used(name))
}

describe("the app's package.json", () => {
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Manifest

  it("lists only what the app imports, runs or configures", () => {
    expect(unusedDependencies(manifest, appSources())).toEqual([])
  })

  it("the check sees a dependency only a package uses, and one nothing uses", () => {
    const withExtra = { ...manifest, dependencies: { ...manifest.dependencies, jose: "^6", "date-fns": "^4" } }
    expect(unusedDependencies(withExtra, appSources())).toEqual(["jose", "date-fns"])
  })
})
