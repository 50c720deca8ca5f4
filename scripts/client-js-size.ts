// npx tsx scripts/client-js-size.ts [--json]: the JavaScript each page ships to the browser on first load,
// read from the production build in .next (Next 16 no longer prints "First Load JS" after `next build`).
// A page's first load is the framework's root chunks plus every chunk its client-reference manifest lists
// for the entries on that route (root layout, group layouts, error/not-found boundaries, the page):
// the <script> tags its HTML carries. Sizes are raw and gzip (level 9; Next's compress is gzip level 6, so
// within a few per cent). Polyfills are left out (nomodule: modern browsers do not load them).
import { readFileSync, readdirSync, statSync } from "node:fs"
import path from "node:path"
import { parseArgs } from "node:util"
import { gzipSync } from "node:zlib"

const { values } = parseArgs({ options: { json: { type: "boolean", default: false }, dir: { type: "string", default: ".next" } } })
const next = path.resolve(values.dir)
const buildManifest = JSON.parse(readFileSync(path.join(next, "build-manifest.json"), "utf8")) as { rootMainFiles: string[] }

function manifests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return manifests(full)
    return name === "page_client-reference-manifest.js" ? [full] : []
  })
}

const sizes = new Map<string, { raw: number; gzip: number }>()
function size(file: string) {
  let s = sizes.get(file)
  if (!s) {
    const bytes = readFileSync(path.join(next, file))
    s = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
    sizes.set(file, s)
  }
  return s
}

type Manifest = Record<string, { entryJSFiles: Record<string, string[]> }>
const rows: { route: string; raw: number; gzip: number; chunks: number }[] = []
for (const file of manifests(path.join(next, "server/app"))) {
  const g = globalThis as { self?: unknown; __RSC_MANIFEST?: Manifest }
  g.self = globalThis
  g.__RSC_MANIFEST = {}
  new Function(readFileSync(file, "utf8"))()
  for (const [entry, m] of Object.entries(g.__RSC_MANIFEST)) {
    const files = new Set([...buildManifest.rootMainFiles, ...Object.values(m.entryJSFiles).flat()])
    const js = [...files].filter((f) => f.endsWith(".js"))
    const total = js.reduce((a, f) => ({ raw: a.raw + size(f).raw, gzip: a.gzip + size(f).gzip }), { raw: 0, gzip: 0 })
    const route =
      entry
        .replace(/\/page$/, "")
        .split("/")
        .filter((s) => !/^\(.*\)$/.test(s))
        .join("/") || "/"
    rows.push({ route, ...total, chunks: js.length })
  }
}
rows.sort((a, b) => a.route.localeCompare(b.route))
if (values.json) console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.route, { raw: r.raw, gzip: r.gzip }]))))
else {
  const kb = (n: number) => `${(n / 1024).toFixed(1).padStart(6)} kB`
  console.log(`${"route".padEnd(32)} ${"first load JS".padStart(9)}  ${"gzip".padStart(9)}  chunks`)
  for (const r of rows) console.log(`${r.route.padEnd(32)} ${kb(r.raw)}  ${kb(r.gzip)}  ${r.chunks}`)
}
