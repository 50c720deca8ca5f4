// Starts `next start` (the production build) as a child process the test can kill and restart.
import { spawn, type ChildProcess } from "node:child_process"
import path from "node:path"
import { LOCAL_SUPABASE_ANON_KEY } from "../../lib/env"
import { waitForPort } from "../../scripts/lib/local-db"

const root = path.resolve(import.meta.dirname, "../..")
const next = path.join(root, "node_modules/next/dist/bin/next")

export type AppProcess = { url: string; child: ChildProcess; kill: (signal?: NodeJS.Signals) => Promise<void> }

export async function startApp(port: number, env: Record<string, string>): Promise<AppProcess> {
  const child = spawn(process.execPath, [next, "start", "--port", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "error",
      NODE_ENV: "production",
      SUBKIT_OFFLINE: "1",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  })
  await waitForPort(port, 60_000, () => (child.exitCode !== null ? `next start exited with ${child.exitCode}` : undefined))
  return {
    url: `http://localhost:${port}`,
    child,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once("exit", r))
      child.kill(signal)
      await exited
    },
  }
}
