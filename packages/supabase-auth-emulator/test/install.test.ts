// The package as another project gets it: `npm pack`, installed from the tarball into an empty project that
// has only @supabase/supabase-js, started through its `bin` on the suite's Postgres, then sign up → sign in →
// getClaims (verified by supabase-js against the emulator's JWKS).
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { afterAll, beforeAll, expect, inject, it } from "vitest"
import { uniqueEmail } from "./support"

const pkgDir = path.resolve(import.meta.dirname, "..")
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } })
let dir = ""
let proc: ChildProcess | undefined

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "auth-emulator-install-"))
  const tarball = path.join(dir, npm(["pack", "--pack-destination", dir, "--silent"], pkgDir).trim().split("\n").pop() ?? "")
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  const sdk = (JSON.parse(readFileSync(path.resolve(pkgDir, "../../package.json"), "utf8")) as { dependencies: Record<string, string> })
    .dependencies["@supabase/supabase-js"]
  npm(["install", "--prefer-offline", "--no-save", `@supabase/supabase-js@${sdk}`, tarball], dir)
}, 240_000)

afterAll(() => {
  proc?.kill("SIGTERM")
  rmSync(dir, { recursive: true, force: true })
})

function startBin(): Promise<string> {
  const bin = path.join(dir, "node_modules/.bin/supabase-auth-emulator")
  const env = { ...process.env, DATABASE_URL: inject("databaseUrl"), AUTH_EMULATOR_PORT: "0" }
  proc = spawn(bin, [], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] })
  return new Promise((resolve, reject) => {
    let out = ""
    proc?.stdout?.on("data", (c: Buffer) => {
      out += c.toString()
      const m = out.match(/Auth emulator on (http:\/\/\S+)\/auth\/v1/)
      if (m?.[1]) resolve(m[1])
    })
    proc?.stderr?.on("data", (c: Buffer) => (out += c.toString()))
    proc?.on("exit", (code) => reject(new Error(`supabase-auth-emulator exited ${code}: ${out}`)))
  })
}

it("installs from its tarball with only supabase-js, starts through its bin: sign up, sign in, getClaims", async () => {
  const url = await startBin()
  const sb = createClient(url, "anon-key", {
    auth: { persistSession: true, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  })
  const email = uniqueEmail("install")
  const up = await sb.auth.signUp({ email, password: "correct horse battery" })
  expect(up.error).toBeNull()
  await sb.auth.signOut()
  const signIn = await sb.auth.signInWithPassword({ email, password: "correct horse battery" })
  expect(signIn.error).toBeNull()
  const { data, error } = await sb.auth.getClaims()
  expect(error).toBeNull()
  expect(data?.claims).toMatchObject({ email, role: "authenticated", sub: signIn.data.user?.id })
  expect(data?.header.alg).toBe("ES256")
})
