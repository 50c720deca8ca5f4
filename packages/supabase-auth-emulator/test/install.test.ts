// The package as another project gets it: `npm pack`, installed from the tarball into an empty project that
// has only @supabase/supabase-js, started through its `bin` on the suite's Postgres, then sign up → sign in →
// getClaims (verified by supabase-js against the emulator's JWKS); and its flags: RS256 keys from a file
// (--jwt-keys) or GOTRUE_JWT_KEYS, --site-url, --help.
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { afterAll, beforeAll, expect, inject, it } from "vitest"
import { rsaSigningKey, signedApiKey, uniqueEmail } from "./support"

const pkgDir = path.resolve(import.meta.dirname, "..")
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } })
let dir = ""

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "auth-emulator-install-"))
  const pack = (from: string) => path.join(dir, npm(["pack", "--pack-destination", dir, "--silent"], from).trim().split("\n").pop() ?? "")
  // The package depends on @subkit/local-only (0.1.0), packed beside it as a registry would serve it.
  const localOnly = pack(path.resolve(pkgDir, "../local-only"))
  const tarball = pack(pkgDir)
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  const sdk = (JSON.parse(readFileSync(path.resolve(pkgDir, "../../package.json"), "utf8")) as { dependencies: Record<string, string> })
    .dependencies["@supabase/supabase-js"]
  npm(["install", "--prefer-offline", "--no-save", `@supabase/supabase-js@${sdk}`, localOnly, tarball], dir)
}, 240_000)

const procs: ChildProcess[] = []
afterAll(() => {
  for (const p of procs) p.kill("SIGTERM")
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the installed bin with `args` and `env`: the URL it prints, or its exit code and output. */
function runBin(args: string[], extraEnv: Record<string, string> = {}) {
  const bin = path.join(dir, "node_modules/.bin/supabase-auth-emulator")
  const env = { ...process.env, DATABASE_URL: inject("databaseUrl"), AUTH_EMULATOR_PORT: "0", ...extraEnv }
  const proc = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] })
  procs.push(proc)
  let out = ""
  const exited = new Promise<{ code: number | null; out: string }>((resolve) => proc.on("exit", (code) => resolve({ code, out })))
  const url = new Promise<string>((resolve, reject) => {
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString()
      const m = out.match(/Auth emulator on (http:\/\/\S+)\/auth\/v1/)
      if (m?.[1]) resolve(m[1])
    })
    proc.stderr?.on("data", (c: Buffer) => (out += c.toString()))
    void exited.then(({ code }) => reject(new Error(`supabase-auth-emulator exited ${code}: ${out}`)))
  })
  url.catch(() => {})
  return { url, exited }
}
const startBin = () => runBin(["--smtp-port", "0"]).url
const supabase = (url: string, key = "anon-key") =>
  createClient(url, key, {
    auth: { persistSession: true, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  })

it("installs from its tarball with only supabase-js, starts through its bin: sign up, sign in, getClaims", async () => {
  expect(existsSync(path.join(dir, "node_modules/@subkit/local-only/src/index.ts"))).toBe(true)
  expect(existsSync(path.join(dir, "node_modules/@subkit/supabase-auth-emulator/src/local-only.ts"))).toBe(false)
  const url = await startBin()
  const sb = supabase(url)
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

it("--help lists the flags", async () => {
  const { exited } = runBin(["--help"])
  const { code, out } = await exited
  expect(code).toBe(0)
  for (const flag of ["--port", "--host", "--database-url", "--jwt-secret", "--jwt-keys", "--jwt-exp", "--site-url", "--public-url"])
    expect(out).toContain(flag)
  expect(out).toContain("--smtp-port")
  expect(out).toContain("--confirm-email")
})

it("--jwt-keys <file> and --site-url: RS256 sessions verified by getClaims, an RS256 service_role key, invite links to the site", async () => {
  const key = rsaSigningKey()
  const keysFile = path.join(dir, "signing_keys.json")
  writeFileSync(keysFile, JSON.stringify([key], null, 2))
  const site = "http://localhost:3999/app"
  const url = await runBin(["--port", "0", "--smtp-port", "0", "--jwt-keys", keysFile, "--site-url", site]).url
  const sb = supabase(url, await signedApiKey(key, "anon"))
  const email = uniqueEmail("install-rs256")
  expect((await sb.auth.signUp({ email, password: "correct horse battery" })).error).toBeNull()
  const { data, error } = await sb.auth.getClaims()
  expect(error).toBeNull()
  expect(data?.header).toMatchObject({ alg: "RS256", kid: key.kid })
  const admin = supabase(url, await signedApiKey(key, "service_role")).auth.admin
  const invited = uniqueEmail("install-invite")
  expect((await admin.inviteUserByEmail(invited)).error).toBeNull()
  const res = await fetch(`${url}/auth/v1/_mailbox/messages?to=${encodeURIComponent(invited)}`)
  const [mail] = ((await res.json()) as { messages: { link: string }[] }).messages
  expect(mail?.link).toContain(`&redirect_to=${site}`)
})

it("GOTRUE_JWT_KEYS from the environment: a set without a signing key stops the bin with GoTrue's message", async () => {
  const { d: _d, ...verifyOnly } = { ...rsaSigningKey(["verify"]) }
  const { exited } = runBin(["--smtp-port", "0"], { GOTRUE_JWT_KEYS: JSON.stringify([verifyOnly]) })
  const { code, out } = await exited
  expect(code).toBe(1)
  expect(out).toContain("GOTRUE_JWT_KEYS: no signing key detected")
})
