// No import cycles inside the emulator packages (type-only imports included): billing ↔ discounts ↔ invoices,
// the hosted pages ↔ their router and the auth routes ↔ admin/email routes were cycles once.
import fs from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) ? [p] : []
  })
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null
  const base = path.resolve(path.dirname(from), spec)
  return [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")].find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null
}

/** Every cycle's files (strongly connected components of more than one file, or a file importing itself). */
export function importCycles(root: string): string[][] {
  const graph = new Map<string, string[]>()
  for (const f of sourceFiles(root)) {
    const src = fs.readFileSync(f, "utf8")
    const deps = [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']/gm)].map((m) => resolveImport(f, m[1] ?? ""))
    graph.set(
      f,
      deps.filter((d): d is string => !!d),
    )
  }
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const cycles: string[][] = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) group.push(w)
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(group.map((g) => path.relative(root, g)).sort())
  }
  for (const f of graph.keys()) if (!index.has(f)) visit(f)
  return cycles
}

describe("emulator packages", () => {
  for (const pkg of ["stripe-emulator", "supabase-auth-emulator"])
    it(`${pkg} has no import cycles`, () => {
      expect(importCycles(path.resolve(import.meta.dirname, "../../packages", pkg, "src"))).toEqual([])
    })
})
