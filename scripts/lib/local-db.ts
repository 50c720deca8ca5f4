// Local Postgres for dev and tests, reached over the wire protocol so the app's one driver (pg)
// talks to it exactly as to Supabase: embedded PGlite (persisted, no install) or, for tests where
// the server binaries exist, a throwaway PostgreSQL cluster in a temp dir.
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import net from "node:net"
import pg from "pg"
import os from "node:os"
import path from "node:path"
import { UnitQueue } from "./pglite-unit-queue"

export type LocalDb = {
  url: string
  kind: "pglite" | "postgres"
  stop: () => Promise<void>
  /** Postgres servers only: stop the server (fast shutdown, clients are cut off) and start it again on the same port and data. */
  halt?: () => Promise<void>
  resume?: () => Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** PGlite persisted in `dataDir` (or in memory when omitted), served on 127.0.0.1:`port`. */
export async function startPglite(opts: { dataDir?: string; port: number; maxConnections?: number }): Promise<LocalDb> {
  const { PGlite } = await import("@electric-sql/pglite")
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket")
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true })
  const db = await PGlite.create(opts.dataDir)
  const server = new PGLiteSocketServer({ db, port: opts.port, host: "127.0.0.1", maxConnections: opts.maxConnections ?? 64 })
  // Swap in the unit-aware queue before any connection exists (handlers take it at connect time).
  ;(server as unknown as { queryQueue: UnitQueue }).queryQueue = new UnitQueue(db)
  await server.start()
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres?sslmode=disable`,
    kind: "pglite",
    stop: async () => {
      await server.stop()
      await db.close()
    },
  }
}

export function hasPostgresServer(): boolean {
  try {
    execFileSync("initdb", ["--version"], { stdio: "ignore" })
    execFileSync("postgres", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** A throwaway cluster (initdb + postgres) on a free port; as `nobody` when we are root. */
export async function startPostgresServer(opts: { maxConnections?: number } = {}): Promise<LocalDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "subkit-pg-"))
  const data = path.join(dir, "data")
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    chmodSync(dir, 0o777)
    execFileSync("chown", ["nobody", dir])
  }
  const run = (cmd: string, args: string[]) =>
    (asRoot ? ["runuser", ["-u", "nobody", "--", cmd, ...args]] : [cmd, args]) as [string, string[]]
  const [initCmd, initArgs] = run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
  execFileSync(initCmd, initArgs, { stdio: "ignore" })
  const port = await freePort()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const [pgCmd, pgArgs] = run("postgres", [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-h",
    "127.0.0.1",
    "-c",
    `max_connections=${opts.maxConnections ?? 200}`,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ])
  let child: ChildProcess | undefined
  let stderr = ""
  const start = async () => {
    stderr = ""
    const c = spawn(pgCmd, pgArgs, { stdio: ["ignore", "ignore", "pipe"] })
    c.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
    child = c
    await waitForPort(port, 20_000, () => (c.exitCode !== null ? `postgres exited: ${stderr}` : undefined))
    await waitForQueries(url, 20_000)
  }
  const shutdown = async (mode: "immediate" | "fast") => {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((r) => c.once("exit", r))
    // runuser does not forward signals: ask pg_ctl, which signals the postmaster by its pid file.
    const [stopCmd, stopArgs] = run("pg_ctl", ["stop", "-D", data, "-m", mode, "-s"])
    try {
      execFileSync(stopCmd, stopArgs, { stdio: "ignore" })
    } catch {
      c.kill("SIGKILL")
    }
    await exited
  }
  await start()
  return {
    url,
    kind: "postgres",
    halt: () => shutdown("fast"),
    resume: start,
    stop: async () => {
      await shutdown("immediate")
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The port opens before recovery ends ("the database system is starting up"): wait for a query to work. */
export async function waitForQueries(url: string, timeoutMs: number, failed?: () => string | undefined) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const client = new pg.Client({ connectionString: url })
    client.on("error", () => {}) // a session cut while we wait must not become an unhandled 'error'
    try {
      await client.connect()
      await client.query("select 1")
      return
    } catch (err) {
      const why = failed?.()
      if (why) throw new Error(why)
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 100))
    } finally {
      await client.end().catch(() => {})
    }
  }
}

export async function waitForPort(port: number, timeoutMs: number, failed?: () => string | undefined) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const why = failed?.()
    if (why) throw new Error(why)
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1")
      s.once("connect", () => (s.destroy(), resolve(true)))
      s.once("error", () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
