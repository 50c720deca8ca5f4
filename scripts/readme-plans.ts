// Rewrites the README's plan list from lib/billing/catalog.ts (see scripts/lib/readme-plans.ts).
import { readFileSync, writeFileSync } from "node:fs"
import { withPlans } from "./lib/readme-plans"

const file = new URL("../README.md", import.meta.url)
const before = readFileSync(file, "utf8")
const after = withPlans(before)
if (after !== before) writeFileSync(file, after)
console.log(after === before ? "README.md plan list is current" : "README.md plan list rewritten")
