// The Auth emulator's view of its database: a pool that survives Postgres restarts (idle and
// checked-out clients that lose their connection are dropped, never an unhandled 'error'), a
// one-line log when the link drops and when it is back, and the test for "the database is away".
import pg from "pg"

// Connection-level failures: the server is down, restarting or refused us. Anything else is a bug.
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "53300"])
const UNAVAILABLE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND"])

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === "string" && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code))) return true
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnavailable)
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(err.message)
}

export function createDatabaseLink(databaseUrl: string, log: (line: string) => void) {
  // A short connect timeout: during an outage a request fails fast with 503 instead of hanging.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5, connectionTimeoutMillis: 5_000 })
  let down = false
  const lost = (err: Error) => {
    if (down) return
    down = true
    log(`database connection lost (${err.message}); answering 503 until it is back`)
  }
  // An idle client cut off by a restart ("terminating connection due to administrator command").
  pool.on("error", lost)
  pool.on("connect", (client) => {
    // A checked-out client that loses its connection rejects its query; without this listener its
    // 'error' event would also be unhandled and end the process.
    client.on("error", lost)
    if (down) {
      down = false
      log("database connection restored")
    }
  })
  return {
    pool,
    /** Record a failed request's cause; true when it was the database being away. */
    unavailable(err: unknown) {
      if (!isDatabaseUnavailable(err)) return false
      lost(err as Error)
      return true
    },
    /** For the health endpoint: a round trip, bounded by the connect timeout. */
    async ping(): Promise<{ ok: true } | { ok: false; error: string }> {
      try {
        await pool.query("select 1")
        return { ok: true }
      } catch (err) {
        if (isDatabaseUnavailable(err)) lost(err as Error)
        return { ok: false, error: (err as Error).message }
      }
    },
  }
}
