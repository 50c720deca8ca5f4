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
  // Resolved once the start-up lines are out: the URL, then the API keys it admits.
  let keys: (v: { publishable: string; secret: string }) => void = () => {}
  const printedKeys = new Promise<{ publishable: string; secret: string }>((resolve) => (keys = resolve))
  const url = new Promise<string>((resolve, reject) => {
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString()
      const m = out.match(/Auth emulator on (http:\/\/\S+)\/auth\/v1/)
      const k = out.match(/API keys: publishable (sb_publishable_\S+) \(anon\), secret (sb_secret_\S+) \(service_role\)/)
      if (k?.[1] && k[2]) keys({ publishable: k[1], secret: k[2] })
      if (m?.[1] && k) resolve(m[1])
    })
    proc.stderr?.on("data", (c: Buffer) => (out += c.toString()))
    void exited.then(({ code }) => reject(new Error(`supabase-auth-emulator exited ${code}: ${out}`)))
  })
  url.catch(() => {})
  return { url, exited, keys: printedKeys }
}
const supabase = (url: string, key: string) =>
  createClient(url, key, {
    auth: { persistSession: true, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  })

it("installs from its tarball with only supabase-js, starts through its bin: sign up, sign in, getClaims", async () => {
  expect(existsSync(path.join(dir, "node_modules/@subkit/local-only/src/index.ts"))).toBe(true)
  expect(existsSync(path.join(dir, "node_modules/@subkit/supabase-auth-emulator/src/local-only.ts"))).toBe(false)
  const bin = runBin(["--smtp-port", "0"])
  const url = await bin.url
  // The keys it prints are the Supabase CLI's (the CLI's JWT secret is the default).
  const { publishable, secret } = await bin.keys
  expect([publishable, secret]).toEqual(["sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH", "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"])
  const sb = supabase(url, publishable)
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
  // The secret key runs auth.admin; anything else is refused as hosted refuses it.
  const listed = await supabase(url, secret).auth.admin.listUsers({ perPage: 1 })
  expect(listed.error).toBeNull()
  const refused = await fetch(`${url}/auth/v1/settings`, { headers: { apikey: "anon-key" } })
  expect([refused.status, refused.headers.get("sb-error-code")]).toEqual([401, "UNAUTHORIZED_INVALID_API_KEY"])
})

it("--publishable-key / SUPABASE_SECRET_KEY: the given keys replace the defaults; a given secret key is printed masked", async () => {
  const publishable = "sb_publishable_GivenGivenGivenGivenGi_abcd1234"
  const given = "sb_secret_GivenSecretGivenSecretGi_abcd1234"
  const bin = runBin(["--smtp-port", "0", "--publishable-key", publishable], { SUPABASE_SECRET_KEY: given })
  const url = await bin.url
  expect(await bin.keys).toEqual({ publishable, secret: "sb_secret_GivenS…" })
  const status = (key: string) => fetch(`${url}/auth/v1/admin/users?per_page=1`, { headers: { apikey: key } }).then((r) => r.status)
  expect(await status(given)).toBe(200)
  expect(await status("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz")).toBe(401)
  const wrong = runBin(["--smtp-port", "0", "--secret-key", publishable])
  const { code, out } = await wrong.exited
  expect(code).toBe(1)
  expect(out).toContain("secretKey must be an sb_secret_")
})

it("--help lists the flags", async () => {
  const { exited } = runBin(["--help"])
  const { code, out } = await exited
  expect(code).toBe(0)
  for (const flag of ["--port", "--host", "--database-url", "--jwt-secret", "--jwt-keys", "--jwt-exp", "--site-url", "--public-url"])
    expect(out).toContain(flag)
  expect(out).toContain("--smtp-port")
  expect(out).toContain("--confirm-email")
  expect(out).toContain("--publishable-key")
  expect(out).toContain("--secret-key")
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
