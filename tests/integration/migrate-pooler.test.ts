// Behind a transaction pooler (Supabase's port 6543) a server connection goes back to the pool
// whenever it is idle outside a transaction, and the next client may get another one. A migration
// runner must therefore never leave a connection idle while it holds a lock. This test puts a
// protocol-aware proxy between the runner and Postgres that, at every such hand-back point
// (ReadyForQuery with status 'I'), asks Postgres which advisory locks that backend still holds.
import net from "node:net"
import pg from "pg"
import { afterAll, describe, expect, inject, it } from "vitest"
import { migrate } from "../../scripts/lib/migrate"

type Proxy = { url: string; handBacks: number; leaks: string[]; close: () => Promise<void> }

async function poolerProbe(databaseUrl: string): Promise<Proxy> {
  const target = new URL(databaseUrl)
  const observer = new pg.Client({ connectionString: databaseUrl })
  await observer.connect()
  const state: Proxy = { url: "", handBacks: 0, leaks: [], close: async () => {} }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname)
    sockets.add(client).add(upstream)
    client.pipe(upstream)
    let pid = 0
    let buffered = Buffer.alloc(0)
    let chain = Promise.resolve()
    // Server → client: forward message by message, pausing at hand-back points to inspect pg_locks.
    upstream.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const ready: Buffer[] = []
      while (buffered.length >= 5) {
        const len = buffered.readInt32BE(1)
        if (buffered.length < 1 + len) break
        ready.push(buffered.subarray(0, 1 + len))
        buffered = buffered.subarray(1 + len)
      }
      for (const msg of ready) {
        const type = String.fromCharCode(msg[0] ?? 0)
        if (type === "K") pid = msg.readInt32BE(5)
        const idle = type === "Z" && msg[5] === "I".charCodeAt(0)
        chain = chain.then(async () => {
          if (idle && pid) {
            state.handBacks++
            const { rows } = await observer.query<{ objid: string; mode: string }>(
              "select objid::text, mode from pg_locks where locktype = 'advisory' and pid = $1",
              [pid],
            )
            for (const r of rows)
              state.leaks.push(`backend ${pid} idle outside a transaction while holding advisory lock ${r.objid} (${r.mode})`)
          }
          if (!client.destroyed) client.write(msg)
        })
      }
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on("error", end).on("close", end)
    upstream.on("error", end).on("close", end)
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as net.AddressInfo).port
  const url = new URL(databaseUrl)
  url.host = `127.0.0.1:${port}`
  state.url = url.toString()
  state.close = async () => {
    for (const s of sockets) s.destroy()
    await new Promise((r) => server.close(r))
    await observer.end()
  }
  return state
}

describe("migrate behind a transaction pooler", () => {
  let probe: Proxy | undefined
  afterAll(() => probe?.close())

  it("never hands a connection back while holding its lock", async () => {
    probe = await poolerProbe(inject("databaseUrl"))
    const result = await migrate(probe.url)
    expect(result.applied).toEqual([]) // the shared database is migrated already: nothing runs twice
    expect(probe.handBacks).toBeGreaterThan(2)
    expect(probe.leaks).toEqual([])
  })
})
