// Page search params (issue 23, item 7): a repeated parameter (?next=a&next=b, which Next hands over as
// an array) never crashes a page; every page reads its params through lib/auth/search-params.
import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { z } from "zod"
import { firstValues, parseSearchParams } from "@/lib/auth/search-params"
import LoginPage from "@/app/auth/login/page"
import SignupPage from "@/app/auth/signup/page"

const root = path.resolve(import.meta.dirname, "../..")

describe("parseSearchParams", () => {
  it("reads a repeated parameter by its first value and drops values that fail their schema", () => {
    expect(firstValues({ next: ["/a", "/b"], x: undefined })).toEqual({ next: "/a" })
    expect(firstValues(new URLSearchParams("next=/a&next=/b"))).toEqual({ next: "/a" })
    expect(parseSearchParams({ next: ["/a", "/b"], error: "nope" }, { next: z.string(), error: z.enum(["link_invalid"]) })).toEqual({
      next: "/a",
    })
  })
})

describe("auth pages with ?next=a&next=b", () => {
  it("log in and sign up render (they were a 500: an array reached safeNext)", async () => {
    const searchParams = Promise.resolve({ next: ["/team", "/dashboard"] })
    await expect(LoginPage({ searchParams } as never)).resolves.toBeTruthy()
    await expect(SignupPage({ searchParams: Promise.resolve({ next: ["/team", "/dashboard"] }) } as never)).resolves.toBeTruthy()
  })
})

describe("every page", () => {
  it("parses its searchParams with parseSearchParams (or the invite page's own first-value reader)", () => {
    const pages: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name)
        if (statSync(p).isDirectory()) walk(p)
        else if (name === "page.tsx") pages.push(p)
      }
    }
    walk(path.join(root, "app"))
    const unparsed = pages.filter((p) => {
      const src = readFileSync(p, "utf8")
      return src.includes("searchParams") && !src.includes("parseSearchParams(") && !src.includes("inviteToken(")
    })
    expect(unparsed.map((p) => path.relative(root, p))).toEqual([])
  })
})
