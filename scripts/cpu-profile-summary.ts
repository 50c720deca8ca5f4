// npx tsx scripts/cpu-profile-summary.ts <file.cpuprofile> [--top 25] [--from µs --to µs] [--stack pattern]…
// Summarises a V8 CPU profile (node --cpu-prof; bench:webhooks -- --cpu-prof DIR writes one for the app):
// self time by function and by where the code lives (a package under node_modules, node's own, the app),
// so a burst's profile says where the process's time went without a profiler UI. --from/--to keep the
// samples of one window (CLOCK_MONOTONIC µs, as bench:webhooks prints its phases); each --stack pattern
// (a regular expression over "function url") adds the share of samples with a matching frame anywhere on
// their stack (inclusive time: e.g. the Stripe SDK's or the drain's code and everything it called);
// --callers pattern lists the commonest stacks (innermost 8 app-or-library frames) under the samples
// whose own function matches it (who calls `writev`, `structuredClone`, …).
import { existsSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

type Frame = { functionName: string; url: string; lineNumber: number; columnNumber: number }
type Node = { id: number; callFrame: Frame; children?: number[] }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "25" },
    from: { type: "string" },
    to: { type: "string" },
    stack: { type: "string", multiple: true, default: [] },
    callers: { type: "string" },
  },
})
const file = positionals[0]
if (!file) throw new Error("usage: cpu-profile-summary <file.cpuprofile> [--top 25]")
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))

// A production build's chunks are minified: a frame in .next is named by its source file through the
// chunk's source map (Turbopack writes them), so "lib/billing/sync/apply.ts" or "node_modules/stripe"
// can be told apart from Next's own code.
const maps = new Map<string, SourceMap | null>()
function original(f: Frame): string | undefined {
  if (!f.url.includes("/.next/")) return undefined
  const file = f.url.startsWith("file:") ? fileURLToPath(f.url) : f.url
  if (!maps.has(file)) {
    const mapFile = `${file}.map`
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))) : null)
  }
  const entry = maps.get(file)?.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string } | undefined
  if (!entry?.originalSource) return undefined
  return path.relative(path.resolve(path.dirname(file), "../../.."), path.resolve(path.dirname(file), entry.originalSource))
}
for (const n of profile.nodes) {
  const o = original(n.callFrame)
  if (o) n.callFrame.url = o.includes("node_modules/") ? o : `app:${o}`
}
const from = values.from ? Number(values.from) : -Infinity
const to = values.to ? Number(values.to) : Infinity
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const patterns = (values.stack ?? []).map((p) => new RegExp(p))
const stackUs = patterns.map(() => 0)
const selfUs = new Map<number, number>()
let at = profile.startTime
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0
  at += delta
  if (at < from || at > to) return
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta)
  patterns.forEach((re, k) => {
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)?.callFrame
      if (f && re.test(`${f.functionName} ${f.url}`)) {
        stackUs[k] = (stackUs[k] ?? 0) + delta
        break
      }
    }
  })
})
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)

const callers = values.callers ? new RegExp(values.callers) : undefined
const callerStacks = new Map<string, number>()
if (callers)
  for (const [id, us] of selfUs) {
    const leaf = byId.get(id)?.callFrame
    if (!leaf || !callers.test(`${leaf.functionName} ${leaf.url}`)) continue
    const frames: string[] = []
    for (let n = parent.get(id); n !== undefined && frames.length < 8; n = parent.get(n)) {
      const f = byId.get(n)?.callFrame
      if (!f || !f.url) continue
      frames.push(`${f.functionName || "(anonymous)"} ${place(f.url)}:${f.lineNumber + 1}`)
    }
    const key = frames.join(" < ")
    callerStacks.set(key, (callerStacks.get(key) ?? 0) + us)
  }

function place(url: string): string {
  if (!url) return "(native / V8)"
  if (url.startsWith("node:")) return "node:" + (url.slice(5).split("/")[0] ?? "")
  const nm = url.lastIndexOf("node_modules/")
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/")
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  if (url.includes("/.next/")) return ".next " + (url.split("/.next/")[1]?.split("/").slice(0, 2).join("/") ?? "")
  if (url.startsWith("app:")) return url.slice(4).split("/").slice(0, 3).join("/")
  return url.replace(/^file:\/\//, "")
}

const fns = new Map<string, number>()
const places = new Map<string, number>()
for (const [id, us] of selfUs) {
  const n = byId.get(id)
  if (!n) continue
  const { functionName, url, lineNumber } = n.callFrame
  const key = `${functionName || "(anonymous)"}  ${place(url)}${url ? `:${lineNumber + 1}` : ""}`
  fns.set(key, (fns.get(key) ?? 0) + us)
  const p = ["(idle)", "(program)", "(garbage collector)"].includes(functionName) ? functionName : place(url)
  places.set(p, (places.get(p) ?? 0) + us)
}
const top = Number(values.top)
const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5) + "%"
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7) + " ms"
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`)
patterns.forEach((re, k) => console.log(`on the stack: ${pct(stackUs[k] ?? 0)} ${ms(stackUs[k] ?? 0)}  /${re.source}/`))
if (callers) {
  console.log(`\ncallers of /${callers.source}/ (innermost first)`)
  for (const [k, us] of [...callerStacks].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)} ${ms(us)}  ${k}`)
}
console.log("\nself time by place")
for (const [k, us] of [...places].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${ms(us)}  ${k}`)
console.log("\nself time by function")
for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${ms(us)}  ${k}`)
