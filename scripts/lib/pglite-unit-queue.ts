// A drop-in replacement for pglite-socket's query queue that makes concurrent connections safe.
// pglite-socket interleaves single protocol messages from different connections, so one client's
// Parse/Bind/Execute can land between another's ("unnamed prepared statement does not exist").
// Here a unit is everything up to Sync or a simple Query, executed atomically; and a connection that
// leaves PGlite inside a transaction owns it until the transaction ends, as a real backend would.
import type { PGlite } from "@electric-sql/pglite"

const SYNC = 0x53 // 'S'
const QUERY = 0x51 // 'Q'
const TERMINATE = 0x58 // 'X'
const PROTOCOL_3 = 196608

export class UnitQueue {
  private buffers = new Map<number, Uint8Array[]>()
  private owner: number | null = null
  private busy = false
  private waiters: (() => void)[] = []

  constructor(private db: PGlite) {}

  async enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const isStartup = message.length >= 8 && new DataView(message.buffer, message.byteOffset).getInt32(4) === PROTOCOL_3
    const type = message[0]
    if (type === TERMINATE && !isStartup) return 0 // the detach path rolls back what it left open
    const parts = this.buffers.get(handlerId) ?? []
    parts.push(message)
    if (!isStartup && type !== SYNC && type !== QUERY) {
      this.buffers.set(handlerId, parts)
      return 0
    }
    this.buffers.delete(handlerId)
    const [only] = parts
    const unit = parts.length === 1 && only ? only : concat(parts)
    await this.acquire(handlerId)
    let bytes = 0
    try {
      await this.db.execProtocolRawStream(unit, {
        onRawData: (data) => {
          bytes += data.length
          onData(data)
        },
      })
    } finally {
      this.owner = this.db.isInTransaction() ? handlerId : null
      this.release()
    }
    return bytes
  }

  clearQueueForHandler(handlerId: number) {
    this.buffers.delete(handlerId)
  }

  async clearTransactionIfNeeded(handlerId: number) {
    if (this.owner !== handlerId) return
    await this.acquire(handlerId)
    try {
      if (this.db.isInTransaction()) await this.db.exec("rollback")
    } finally {
      this.owner = null
      this.release()
    }
  }

  getQueueLength() {
    return this.waiters.length
  }

  private async acquire(handlerId: number) {
    while (this.busy || (this.owner !== null && this.owner !== handlerId)) await new Promise<void>((r) => this.waiters.push(r))
    this.busy = true
  }

  private release() {
    this.busy = false
    for (const wake of this.waiters.splice(0)) wake()
  }
}

function concat(parts: Uint8Array[]) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
