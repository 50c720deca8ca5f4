// The production build both benchmarks measure, and where its `next` binary is.
import { execFileSync } from "node:child_process"
import path from "node:path"

export const root = path.resolve(import.meta.dirname, "../../..")
export const nextBin = path.join(root, "node_modules/next/dist/bin/next")

/** `next build`, unless the caller reuses the build already in .next. */
export function buildUnlessSkipped(skip: boolean) {
  if (skip) return
  console.log("building (next build)…")
  execFileSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "ignore", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } })
}
