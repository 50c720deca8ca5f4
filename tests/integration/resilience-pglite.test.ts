// Issue 14: the PGlite socket server (its own process under `npm run dev`) survives misbehaving
// clients: connections cut mid-result or mid-transaction, garbage on the wire, a reset mid-startup.
// After each, it is alive and serves new sessions (a cut transaction is rolled back, not left holding PGlite).
import { mkdtempSync, rmSync } from "node:fs"
import net from "node:net"
import os from "node:os"
import path from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnService, type ServiceProcess } from "../support/service-process"

let server: ServiceProcess
let dataDir: string
let url: string

type WithSocket = { connection: { stream: net.Socket } }
const cutOff = (client: pg.Client) => (client as unknown as WithSocket).connection.stream.destroy()
const connect = async () => {
  const client = new pg.Client({ connectionString: url })
  client.on("error", () => {}) // this side's error is expected: we cut the connection ourselves
  await client.connect()
  return client
}
const rawSocket = (send: (s: net.Socket) => void) =>
  new Promise<void>((resolve) => {
    const s = net.connect(Number(new URL(url).port), "127.0.0.1", () => send(s))
    s.on("error", () => resolve())
    s.on("close", () => resolve())
    setTimeout(() => (s.destroy(), resolve()), 500)
  })
const serves = async () => {
  const client = await connect()
  try {
    return (await client.query<{ n: number }>("select count(*)::int as n from pg_class")).rows[0]?.n
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "subkit-pglite-"))
  server = await spawnService("scripts/pglite-server.ts", { PGLITE_DATA_DIR: dataDir }, "PGLITE_PORT")
  url = `postgres://postgres:postgres@${new URL(server.url).host}/postgres?sslmode=disable`
}, 180_000)
afterAll(async () => {
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe("PGlite socket server under client faults", () => {
  it("survives a client cut off while a large result streams", async () => {
    for (let i = 0; i < 3; i++) {
      const client = await connect()
      const query = client.query("select repeat('x', 1000) from generate_series(1, 100000)").then(
        () => "done",
        (e: Error) => e.message,
      )
      setTimeout(() => cutOff(client), 5)
      expect(await query).toMatch(/terminated|done/)
    }
    expect(await serves()).toBeGreaterThan(0)
    expect(server.exitCode()).toBeNull()
  })

  it("rolls back the transaction of a client that vanished inside it", async () => {
    const client = await connect()
    await client.query("begin")
    await client.query("create table vanished (x int)")
    cutOff(client)
    await new Promise((r) => setTimeout(r, 300))
    const other = await connect()
    // Not blocked behind the dead transaction, and its table never existed.
    expect((await other.query("select to_regclass('public.vanished') as t")).rows[0]).toEqual({ t: null })
    await other.end()
    expect(server.exitCode()).toBeNull()
  })

  it("survives garbage on the wire and a reset in the middle of the startup message", async () => {
    await rawSocket((s) => s.write(Buffer.concat([Buffer.from([0, 0, 0, 8, 1, 2, 3, 4]), Buffer.from("garbage\n".repeat(200))])))
    await rawSocket((s) => (s.write(Buffer.from([0, 0, 0, 80, 0, 3, 0, 0])), s.resetAndDestroy()))
    await rawSocket((s) => s.write(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff])))
    expect(await serves()).toBeGreaterThan(0)
    expect(server.exitCode()).toBeNull()
  })
})
