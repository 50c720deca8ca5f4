// The production build the benchmarks measure, where its `next` binary is, and `next start` on it.
import { execFileSync, spawn } from "node:child_process"
import path from "node:path"
import { LOCAL_SUPABASE_ANON_KEY } from "../../../lib/env"

export const root = path.resolve(import.meta.dirname, "../../..")
export const nextBin = path.join(root, "node_modules/next/dist/bin/next")

/** `next build`, unless the caller reuses the build already in .next. */
export function buildUnlessSkipped(skip: boolean) {
  if (skip) return
  console.log("building (next build)…")
  execFileSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "ignore", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } })
}

/**
 * `next start` of the build on `port`, as the benchmarks run it: the stack's environment, the CLI's anon key,
 * production, no logs below errors, no telemetry; `env` adds to it. `detached` gives it a session (and process
 * group) of its own; `nodeArgs` go to node (a CPU profile).
 */
export function startNext(
  port: number,
  {
    appEnv,
    env = {},
    nodeArgs = [],
    detached = false,
  }: { appEnv: Record<string, string>; env?: Record<string, string>; nodeArgs?: string[]; detached?: boolean },
) {
  return spawn(process.execPath, [...nodeArgs, nextBin, "start", "--port", String(port)], {
    cwd: root,
    detached,
    env: {
      ...process.env,
      ...appEnv,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY,
      LOG_LEVEL: "error",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  })
}
