// Session cookies: HttpOnly, SameSite=Lax, Secure in production, and no browser code that would
// need to read them (a client-side Supabase client or document.cookie would break under HttpOnly).
import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { authCookieOptions } from "@/lib/supabase/cookie-options"

const root = path.resolve(import.meta.dirname, "../..")

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return sources(full)
    return /\.(ts|tsx)$/.test(name) ? [full] : []
  })
}

describe("auth cookies", () => {
  it("are HttpOnly and SameSite=Lax everywhere, Secure only in production", () => {
    expect(authCookieOptions("production")).toMatchObject({ httpOnly: true, secure: true, sameSite: "lax", path: "/" })
    expect(authCookieOptions("development")).toMatchObject({ httpOnly: true, secure: false, sameSite: "lax" })
    expect(authCookieOptions("test").secure).toBe(false)
  })

  it("both Supabase server clients use them", () => {
    for (const file of ["lib/supabase/server.ts", "lib/supabase/proxy.ts"])
      expect(readFileSync(path.join(root, file), "utf8"), file).toContain("cookieOptions: authCookieOptions()")
  })

  it("no browser code reads cookies or builds a Supabase client", () => {
    const files = ["app", "components", "lib"].flatMap((d) => sources(path.join(root, d)))
    const client = files.filter((f) => /^\s*["']use client["']/m.test(readFileSync(f, "utf8")))
    expect(client.length).toBeGreaterThan(0)
    for (const f of client) {
      const text = readFileSync(f, "utf8")
      expect(text, f).not.toMatch(/document\.cookie|createBrowserClient|@supabase\//)
    }
    for (const f of files) expect(readFileSync(f, "utf8"), f).not.toContain("createBrowserClient")
  })
})
