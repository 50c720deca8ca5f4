// Issue 14: `npm run dev` supervises its children. The real orchestrator (scripts/dev.ts) runs on free
// ports with its state in a temp dir; the test kills children with SIGKILL and sees them come back
// (and the Auth emulator serve supabase-js again), then stops it as Ctrl-C does and finds nothing
// left running or listening.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import net from "node:net"
import os from "node:os"
import path from "node:path"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { LOCAL_PUBLISHABLE_KEY } from "@subkit/supabase-auth-emulator"
import { freePort } from "../../scripts/lib/local-db"

const root = path.resolve(import.meta.dirname, "../..")
let dev: ChildProcess
let output = ""
let dataDir: string
const ports = { db: 0, auth: 0, stripe: 0, app: 0 }

const waitFor = async (re: RegExp, from = 0, timeoutMs = 90_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = re.exec(output.slice(from))
    if (m) return m
    if (dev.exitCode !== null) throw new Error(`npm run dev exited (${dev.exitCode}):\n${output}`)
    if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
const pidOf = (service: string) => {
  const row = new RegExp(`^\\s+${service}\\s+\\S+\\s+.*?\\s(\\d+)$`, "m").exec(output)
  if (!row?.[1]) throw new Error(`no ${service} row in the status table:\n${output}`)
  return Number(row[1])
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1")
    s.once("connect", () => (s.destroy(), resolve(true)))
    s.once("error", () => resolve(false))
  })
const signUp = (email: string) =>
  createClient(`http://127.0.0.1:${ports.auth}`, LOCAL_PUBLISHABLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  }).auth.signUp({
    email,
    password: "correct horse",
  })

beforeAll(async () => {
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort()
  dataDir = mkdtempSync(path.join(os.tmpdir(), "subkit-dev-"))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGLITE_PORT: String(ports.db),
    AUTH_EMULATOR_PORT: String(ports.auth),
    STRIPE_EMULATOR_PORT: String(ports.stripe),
    NEXT_PUBLIC_APP_URL: `http://localhost:${ports.app}`,
    SUBKIT_DATA_DIR: dataDir,
  }
  // Fully offline, whatever the test environment points at.
  for (const k of [
    "DATABASE_URL",
    "STRIPE_SECRET_KEY",
    "NEXT_PUBLIC_SUPABASE_URL",
    "STRIPE_API_BASE",
    "STRIPE_WEBHOOK_SECRET",
    "NEXT_PUBLIC_SUPABASE_ANON_KEY",
  ])
    delete env[k]
  dev = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/dev.ts")], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  })
  dev.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  dev.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  await waitFor(/subkit is running offline/, 0, 150_000)
}, 180_000)
afterAll(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill("SIGINT")
    await new Promise((r) => dev.once("exit", r))
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe("npm run dev supervises its children", () => {
  it("prints one status table with every service up", () => {
    expect(output.match(/SERVICE\s+URL\s+STATE\s+PID/g)).toHaveLength(1)
    expect(output).toMatch(new RegExp(`postgres\\s+postgres://\\S+:${ports.db}/\\S+\\s+up\\s+\\d+`))
    expect(output).toMatch(new RegExp(`auth\\s+http://127.0.0.1:${ports.auth}/auth/v1\\s+up \\(database ok\\)\\s+\\d+`))
    expect(output).toMatch(new RegExp(`stripe\\s+http://127.0.0.1:${ports.stripe}\\s+up\\s+\\d+`))
    expect(output).toMatch(new RegExp(`app\\s+http://localhost:${ports.app}\\s+up`))
  })

  it("restarts a killed Auth emulator, saying what died and why", async () => {
    const pid = pidOf("auth")
    const from = output.length
    process.kill(pid, "SIGKILL")
    await waitFor(new RegExp(`subkit: auth \\(pid ${pid}\\) killed by SIGKILL .*restarting in \\d+ ms`), from)
    const back = await waitFor(/subkit: auth is back \(pid (\d+)\)/, from)
    expect(Number(back[1])).not.toBe(pid)
    expect(alive(pid)).toBe(false)
    const { error } = await signUp(`after-auth-kill-${Date.now()}@example.com`)
    expect(error).toBeNull()
  }, 60_000)

  it("restarts a killed Postgres; the Auth emulator rides through it and serves again", async () => {
    const pid = pidOf("postgres")
    const authPid = Number((await waitFor(/subkit: auth is back \(pid (\d+)\)/))[1])
    const from = output.length
    process.kill(pid, "SIGKILL")
    await waitFor(new RegExp(`subkit: postgres \\(pid ${pid}\\) killed by SIGKILL`), from)
    await waitFor(/subkit: postgres is back \(pid \d+\)/, from, 60_000)
    await expect
      .poll(async () => (await signUp(`after-db-kill-${Date.now()}@example.com`)).error, { timeout: 15_000, interval: 500 })
      .toBeNull()
    // Same Auth process throughout: it answered 503 meanwhile instead of exiting.
    expect(alive(authPid)).toBe(true)
    expect(output.slice(from)).not.toMatch(/subkit: auth \(pid/)
  }, 90_000)

  it("stops everything on Ctrl-C: no child left running, no port left listening", async () => {
    const pids = ["postgres", "stripe", "app"].map(pidOf)
    for (const name of ["postgres", "auth"]) pids.push(Number((await waitFor(new RegExp(`subkit: ${name} is back \\(pid (\\d+)\\)`)))[1]))
    dev.kill("SIGINT")
    const code = await new Promise((r) => dev.once("exit", r))
    expect(code).toBe(0)
    for (const pid of pids) expect(alive(pid)).toBe(false)
    for (const port of Object.values(ports)) expect(await listening(port)).toBe(false)
  }, 30_000)
})
