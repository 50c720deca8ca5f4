// Applies supabase/local (only where Supabase's auth schema is absent) and then every pending
// migration in supabase/migrations, once, in order, each in its own transaction. Records them in
// supabase_migrations.schema_migrations, the table the Supabase CLI uses, so both tools agree.
//
// Safe behind Supabase's transaction pooler (port 6543): every step is one transaction that takes a
// transaction-scoped advisory lock (pg_advisory_xact_lock) and re-reads what is applied under it.
// Nothing is held between transactions, so whichever server connection the pooler hands out next
// finds no leftover lock, and two processes migrating at once still apply each file exactly once.
import { readdir, readFile } from "node:fs/promises"
import path from "node:path"
import pg from "pg"

const root = path.resolve(import.meta.dirname, "../..")
const LOCK_ID = 7_301_2024

export type MigrateResult = { applied: string[]; platform: boolean }

export async function migrate(connectionString: string, log: (line: string) => void = () => {}): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  /** One transaction under the migration lock; the lock ends with it. */
  async function locked<T>(work: () => Promise<T>): Promise<T> {
    await client.query("begin")
    try {
      await client.query("select pg_advisory_xact_lock($1)", [LOCK_ID])
      const out = await work()
      await client.query("commit")
      return out
    } catch (err) {
      await client.query("rollback").catch(() => {})
      throw err
    }
  }
  try {
    const platform = await locked(async () => {
      const { rows } = await client.query<{ present: boolean }>("select to_regclass('auth.users') is not null as present")
      if (rows[0]?.present) return false
      for (const file of await sqlFiles("supabase/local")) {
        log(`local platform: ${file}`)
        await client.query(await readFile(path.join(root, "supabase/local", file), "utf8"))
      }
      return true
    })
    await locked(() =>
      client.query(`create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text)`),
    )
    const applied: string[] = []
    for (const file of await sqlFiles("supabase/migrations")) {
      const [version, ...rest] = file.replace(/\.sql$/, "").split("_")
      if (!version) continue
      const body = await readFile(path.join(root, "supabase/migrations", file), "utf8")
      const ran = await locked(async () => {
        // Re-read under the lock: another process may have applied it since we looked.
        const { rowCount } = await client.query("select 1 from supabase_migrations.schema_migrations where version = $1", [version])
        if (rowCount) return false
        try {
          await client.query(body)
        } catch (err) {
          throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err })
        }
        await client.query("insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)", [
          version,
          [body],
          rest.join("_"),
        ])
        return true
      })
      if (!ran) continue
      log(`applied ${file}`)
      applied.push(file)
    }
    return { applied, platform }
  } finally {
    await client.end()
  }
}

async function sqlFiles(dir: string) {
  return (await readdir(path.join(root, dir))).filter((f) => f.endsWith(".sql")).sort()
}
