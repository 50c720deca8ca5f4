// The processes of `npm run dev`, as supervisor specs: each knows how to start and when it is ready,
// and how to report its state for the status table.
import path from "node:path"
import { waitForQueries, waitForPort } from "./local-db"
import type { ServiceSpec } from "./supervisor"

export type DevService = ServiceSpec & { url: string; state: () => Promise<string> }

const root = path.resolve(import.meta.dirname, "../..")
const READY_TIMEOUT_MS = 60_000
const tsx = (entry: string) => ({ command: process.execPath, args: ["--import", "tsx", path.join(root, entry)], cwd: root })
const dead = (alive: () => boolean, name: string) => () => (alive() ? undefined : `${name} exited before it was ready`)

/** Any HTTP answer counts: the body says whether the service's own dependencies are up. */
async function waitForHttp(url: string, alive: () => boolean, name: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const why = dead(alive, name)()
    if (why) throw new Error(why)
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      () => true,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${url} within ${READY_TIMEOUT_MS} ms`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

async function healthState(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) })
    const body = (await res.json()) as { database?: string }
    if (res.ok) return body.database === "ok" ? "up (database ok)" : "up"
    return `degraded (${res.status}${body.database ? `, database ${body.database}` : ""})`
  } catch (err) {
    return `down (${(err as Error).message})`
  }
}

export function postgresService(opts: { port: number; dataDir: string }): DevService {
  const url = `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres?sslmode=disable`
  return {
    name: "postgres",
    ...tsx("scripts/pglite-server.ts"),
    env: { PGLITE_PORT: String(opts.port), PGLITE_DATA_DIR: opts.dataDir },
    url,
    ready: async (alive) => {
      await waitForPort(opts.port, READY_TIMEOUT_MS, dead(alive, "postgres"))
      await waitForQueries(url, READY_TIMEOUT_MS, dead(alive, "postgres"))
    },
    state: () =>
      waitForQueries(url, 3_000).then(
        () => "up",
        (err: Error) => `down (${err.message})`,
      ),
  }
}

export function authService(opts: { port: number; smtpPort: number; databaseUrl: string }): DevService {
  const url = `http://127.0.0.1:${opts.port}/auth/v1`
  return {
    name: "auth",
    ...tsx("packages/supabase-auth-emulator/src/main.ts"),
    env: { AUTH_EMULATOR_PORT: String(opts.port), AUTH_EMULATOR_SMTP_PORT: String(opts.smtpPort), DATABASE_URL: opts.databaseUrl },
    url,
    ready: (alive) => waitForHttp(`${url}/health`, alive, "auth"),
    state: () => healthState(`${url}/health`),
  }
}

export function stripeService(opts: { port: number; stateFile: string }): DevService {
  const url = `http://127.0.0.1:${opts.port}`
  return {
    name: "stripe",
    ...tsx("packages/stripe-emulator/src/main.ts"),
    env: { STRIPE_EMULATOR_PORT: String(opts.port), STRIPE_EMULATOR_STATE: opts.stateFile },
    url,
    ready: (alive) => waitForHttp(`${url}/_emulator/health`, alive, "stripe"),
    state: () => healthState(`${url}/_emulator/health`),
  }
}

export function appService(opts: { appUrl: string; env: Record<string, string> }): DevService {
  const port = Number(new URL(opts.appUrl).port || 3000)
  return {
    name: "app",
    command: process.execPath,
    args: [path.join(root, "node_modules/next/dist/bin/next"), "dev", "--hostname", "127.0.0.1", "--port", String(port)],
    cwd: root,
    env: { NEXT_TELEMETRY_DISABLED: "1", ...opts.env },
    url: opts.appUrl,
    ready: (alive) => waitForPort(port, 120_000, dead(alive, "app")),
    // `next dev` compiles a page on its first request: the port being open is the honest signal.
    state: () =>
      waitForPort(port, 2_000).then(
        () => "up (pages compile on first visit)",
        (err: Error) => `down (${err.message})`,
      ),
  }
}
