// The one database client: node-postgres + Drizzle, pointed at DATABASE_URL (embedded PGlite served
// over the wire protocol offline, Supabase Postgres in production).
import "server-only"
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres"
import { Pool } from "pg"
import { env } from "@/lib/env"
import * as schema from "./schema"

export type Database = NodePgDatabase<typeof schema>
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0]
/** Anything that can run a query: the pool-backed db or an open transaction. */
export type Executor = Database | Transaction

// Next dev reloads modules; keep one pool per process.
const cache = globalThis as unknown as { subkitPool?: Pool; subkitDb?: Database }

function createPool() {
  const pool = new Pool({
    connectionString: env.databaseUrl,
    max: env.databasePoolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", (err) => console.error("[db] idle client error:", err.message))
  return pool
}

export const pool: Pool = (cache.subkitPool ??= createPool())
export const db: Database = (cache.subkitDb ??= drizzle(pool, { schema }))
