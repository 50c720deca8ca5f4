// Applies supabase/local (only where Supabase's auth schema is absent) and then every pending
// migration in supabase/migrations, once, in order, each in its own transaction. Records them in
// supabase_migrations.schema_migrations, the table the Supabase CLI uses, so both tools agree.
import { readdir, readFile } from "node:fs/promises"
import path from "node:path"
import pg from "pg"

const root = path.resolve(import.meta.dirname, "../..")
const LOCK_ID = 7_301_2024 // advisory lock: two processes migrating at once apply each file once

export type MigrateResult = { applied: string[]; platform: boolean }

export async function migrate(connectionString: string, log: (line: string) => void = () => {}): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query("select pg_advisory_lock($1)", [LOCK_ID])
    const { rows } = await client.query<{ present: boolean }>("select to_regclass('auth.users') is not null as present")
    const platform = !rows[0]?.present
    if (platform) {
      for (const file of await sqlFiles("supabase/local")) {
        log(`local platform: ${file}`)
        await client.query(await readFile(path.join(root, "supabase/local", file), "utf8"))
      }
    }
    await client.query(`create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text)`)
    const done = new Set(
      (await client.query<{ version: string }>("select version from supabase_migrations.schema_migrations")).rows.map((r) => r.version),
    )
    const applied: string[] = []
    for (const file of await sqlFiles("supabase/migrations")) {
      const [version, ...rest] = file.replace(/\.sql$/, "").split("_")
      if (!version || done.has(version)) continue
      const body = await readFile(path.join(root, "supabase/migrations", file), "utf8")
      await client.query("begin")
      try {
        await client.query(body)
        await client.query("insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)", [
          version,
          [body],
          rest.join("_"),
        ])
        await client.query("commit")
      } catch (err) {
        await client.query("rollback")
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err })
      }
      log(`applied ${file}`)
      applied.push(file)
    }
    return { applied, platform }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [LOCK_ID]).catch(() => {})
    await client.end()
  }
}

async function sqlFiles(dir: string) {
  return (await readdir(path.join(root, dir))).filter((f) => f.endsWith(".sql")).sort()
}
