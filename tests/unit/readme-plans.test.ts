// The README's plan list is the catalog's: edit lib/billing/catalog.ts, then run `npm run docs:plans`.
import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { CATALOG, FEATURES } from "../../lib/billing/catalog"
import { plansMarkdown, withPlans } from "../../scripts/lib/readme-plans"

const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8")

describe("README plan list", () => {
  it("is what the catalog generates (run npm run docs:plans after changing the catalog)", () => {
    expect(withPlans(readme)).toBe(readme)
  })

  it("names every plan's every entitlement, and only known feature keys", () => {
    const md = plansMarkdown()
    for (const plan of CATALOG) for (const key of plan.entitlements) expect(md).toContain(`${FEATURES[key]} (\`${key}\`)`)
    expect(Object.keys(FEATURES)).toEqual(expect.arrayContaining(CATALOG.flatMap((p) => p.entitlements)))
  })
})
