// No import circles in the app: every import and re-export in lib/, app/ and components/ (type-only ones
// too), resolved with the project's tsconfig (the `@/` alias), forms no cycle. A circle means two modules
// own each other's vocabulary; break it by moving the shared part down (as lib/billing/types.ts is).
import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")
const compilerOptions = ts.parseJsonConfigFileContent(
  ts.readConfigFile(path.join(root, "tsconfig.json"), (f) => ts.sys.readFile(f)).config,
  ts.sys,
  root,
).options

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
}

/** Each file's imports of other files in the set (external packages left out). */
export function importGraph(
  files: string[],
  read: (f: string) => string = (f) => readFileSync(f, "utf8"),
  host: ts.ModuleResolutionHost = ts.sys,
): Map<string, string[]> {
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest)
    const deps: string[] = []
    for (const st of source.statements) {
      const spec =
        (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)
          ? st.moduleSpecifier.text
          : null
      if (!spec) continue
      const resolved = ts.resolveModuleName(spec, file, compilerOptions, host).resolvedModule?.resolvedFileName
      if (resolved && known.has(resolved)) deps.push(resolved)
    }
    graph.set(file, deps)
  }
  return graph
}

/** The cycles (strongly connected components of more than one file, or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    let w: string | undefined
    do {
      w = stack.pop()
      if (w === undefined) break
      onStack.delete(w)
      component.push(w)
    } while (w !== v)
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort())
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

describe("import graph", () => {
  it("has no circles in lib/, app/ and components/", () => {
    const files = ["lib", "app", "components"].flatMap(sources)
    const graph = importGraph(files)
    expect(files.length).toBeGreaterThan(100)
    expect([...graph.values()].flat().length).toBeGreaterThan(300) // the alias and relative paths resolve
    expect(cycles(graph).map((c) => c.map((f) => path.relative(root, f)))).toEqual([])
  })

  it("sees a circle, through the alias and a type-only import", () => {
    const a = path.join(root, "lib/x/a.ts")
    const b = path.join(root, "lib/x/b.ts")
    const c = path.join(root, "lib/x/c.ts")
    const text: Record<string, string> = {
      [a]: 'import { b } from "@/lib/x/b"',
      [b]: 'import type { C } from "./c"',
      [c]: 'export { a } from "../x/a"',
    }
    // The three files exist only here: module resolution asks this host, not the disk.
    const host: ts.ModuleResolutionHost = {
      fileExists: (f) => f in text,
      readFile: (f) => text[f],
      directoryExists: (d) => Object.keys(text).some((f) => f.startsWith(d + path.sep)) || (ts.sys.directoryExists?.(d) ?? false),
    }
    expect(cycles(importGraph([a, b, c], (f) => text[f] ?? "", host))).toEqual([[a, b, c].sort()])
    expect(cycles(importGraph([a, b], (f) => text[f] ?? "", host))).toEqual([])
  })
})
