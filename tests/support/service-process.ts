// Runs one service of the offline stack (an emulator's main.ts) as its own process on a free port,
// so a test can see whether a fault kills it, as it would under `npm run dev`.
import { spawn } from "node:child_process"
import path from "node:path"
import { freePort, waitForPort } from "../../scripts/lib/local-db"

export type ServiceProcess = {
  url: string
  pid: number | undefined
  exitCode: () => number | string | null
  output: () => string
  stop: () => Promise<void>
}

const root = path.resolve(import.meta.dirname, "../..")

export async function spawnService(entry: string, env: Record<string, string>, portVar: string): Promise<ServiceProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env, [portVar]: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let output = ""
  child.stdout.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr.on("data", (d: Buffer) => (output += d.toString()))
  const exitCode = () => child.exitCode ?? child.signalCode
  await waitForPort(port, 120_000, () => (exitCode() !== null ? `${entry} exited (${exitCode()}): ${output}` : undefined))
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    exitCode,
    output: () => output,
    stop: async () => {
      if (exitCode() !== null) return
      const exited = new Promise((r) => child.once("exit", r))
      child.kill("SIGTERM")
      await exited
    },
  }
}
