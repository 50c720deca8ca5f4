import { startPglite, startPostgresServer, freePort } from "/work/main/scripts/lib/local-db.ts"
import { migrate } from "/work/main/scripts/lib/migrate.ts"
import pg from "pg"
for (const start of [async () => startPglite({ port: await freePort() }), () => startPostgresServer()]) {
  const t = Date.now()
  const db = await start()
  console.log(db.kind, "started", Date.now() - t)
  console.log(await migrate(db.url, console.log))
  console.log(await migrate(db.url))
  const c = new pg.Client(db.url); await c.connect()
  await c.query("insert into auth.users (id, email) values (gen_random_uuid(), 'a@b.c')")
  console.log((await c.query("select * from public.users")).rows)
  await c.query("begin; set local role authenticated; select set_config('request.jwt.claims', '{\"sub\":\"00000000-0000-0000-0000-000000000000\"}', true)")
  console.log((await c.query("select count(*) from public.users")).rows, (await c.query("select auth.uid()")).rows)
  await c.query("rollback"); await c.end()
  await db.stop(); console.log(db.kind, "total", Date.now() - t)
}
