// The components/ui primitives join class names (lib/utils.ts cx) instead of merging them with
// tailwind-merge, which kept ~22 kB out of every interactive page's client JavaScript. Joining is only
// the same as merging while a className given to a primitive never sets a utility the primitive already
// sets (text-lg with text-2xl, pt-0 with pt-2: which one wins is then the stylesheet's order, not the
// call site's). This reads every className literal given to a primitive in app/ and components/ and
// checks it against tailwind-merge, for every variant and size the primitive has.
import { readFileSync, readdirSync } from "node:fs"
import path from "node:path"
import { createElement, type ComponentType } from "react"
import { renderToStaticMarkup } from "react-dom/server"
import { twMerge } from "tailwind-merge"
import ts from "typescript"
import { describe, expect, it } from "vitest"
import { ALERT_BASE, ALERT_VARIANTS, AlertDescription, AlertTitle } from "@/components/ui/alert"
import { BADGE_BASE, BADGE_VARIANTS } from "@/components/ui/badge"
import { BUTTON_BASE, BUTTON_SIZES, BUTTON_VARIANTS } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import { Skeleton } from "@/components/ui/skeleton"
import { cx } from "@/lib/utils"

const root = path.resolve(import.meta.dirname, "../..")

/** The class attribute a primitive renders with no className of its own. */
function rendered(component: ComponentType<Record<string, unknown>>, props: Record<string, unknown> = {}): string {
  const html = renderToStaticMarkup(createElement(component, props))
  return (/class="([^"]*)"/.exec(html)?.[1] ?? "").replaceAll("&amp;", "&")
}
const each = (base: string, ...groups: Record<string, string>[]): string[] =>
  groups.reduce<string[]>((acc, g) => acc.flatMap((a) => Object.values(g).map((v) => cx(a, v))), [base])

const buttonClasses = each(BUTTON_BASE, BUTTON_VARIANTS, BUTTON_SIZES)
/** Every class string each primitive can render before the caller's className is added. */
const PRIMITIVES: Record<string, string[]> = {
  Button: buttonClasses,
  Badge: each(BADGE_BASE, BADGE_VARIANTS),
  Alert: each(ALERT_BASE, ALERT_VARIANTS),
  AlertTitle: [rendered(AlertTitle)],
  AlertDescription: [rendered(AlertDescription)],
  Card: [rendered(Card)],
  CardHeader: [rendered(CardHeader)],
  CardTitle: [rendered(CardTitle)],
  CardDescription: [rendered(CardDescription)],
  CardContent: [rendered(CardContent)],
  CardFooter: [rendered(CardFooter)],
  Input: [rendered(Input)],
  Label: [rendered(Label)],
  Skeleton: [rendered(Skeleton)],
}
/** App components that hand their className to a primitive unchanged. */
const FORWARDS_TO: Record<string, string> = { SubmitButton: "Button", ManageSubscriptionButton: "Button" }

/** A className that a merge would change: the classes tailwind-merge drops from `base + given`. */
export function conflicts(base: string, given: string): string[] {
  const joined = cx(base, given).split(/\s+/)
  const kept = new Set(twMerge(joined.join(" ")).split(/\s+/))
  return [...new Set(joined.filter((c) => !kept.has(c)))]
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(rel)
    return e.name.endsWith(".tsx") ? [rel] : []
  })
}

type Use = { file: string; tag: string; classes: string; fromUi: boolean }
/** Every string literal in a className attribute on a capitalised JSX tag (each branch of a conditional apart). */
function classNameUses(): Use[] {
  const uses: Use[] = []
  for (const file of [...sourceFiles("app"), ...sourceFiles("components")]) {
    if (file.startsWith("components/ui/")) continue
    const src = ts.createSourceFile(file, readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX)
    const fromUi = new Set<string>()
    for (const st of src.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue
      // Icons take a className too, onto an <svg> whose only class is "lucide".
      const from = st.moduleSpecifier.text
      if (!from.startsWith("@/components/ui/") || from === "@/components/ui/icons") continue
      const named = st.importClause?.namedBindings
      if (named && ts.isNamedImports(named)) for (const el of named.elements) fromUi.add(el.name.text)
    }
    const visit = (node: ts.Node) => {
      if ((ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) && /^[A-Z]/.test(node.tagName.getText(src))) {
        const tag = node.tagName.getText(src)
        for (const attr of node.attributes.properties) {
          if (!ts.isJsxAttribute(attr) || attr.name.getText(src) !== "className" || !attr.initializer) continue
          const strings: string[] = []
          const collect = (n: ts.Node) => {
            if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) strings.push(n.text)
            ts.forEachChild(n, collect)
          }
          collect(attr.initializer)
          if (ts.isStringLiteral(attr.initializer)) strings.splice(0, strings.length, attr.initializer.text)
          for (const classes of strings) uses.push({ file, tag, classes, fromUi: fromUi.has(tag) })
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(src)
  }
  return uses
}

describe("className given to a components/ui primitive", () => {
  const uses = classNameUses()

  it("finds the call sites (the scan works)", () => {
    expect(uses.filter((u) => u.tag === "CardContent").length).toBeGreaterThan(10)
    expect(uses.some((u) => u.tag === "Button" && u.classes === "w-full")).toBe(true)
  })

  it("every primitive given a className is one this test knows", () => {
    const unknown = uses.filter((u) => u.fromUi && !PRIMITIVES[u.tag]).map((u) => `${u.file}: <${u.tag}>`)
    expect(unknown).toEqual([])
  })

  it("no primitive's own classes fight each other (base, variant, size)", () => {
    const fights = Object.entries(PRIMITIVES).flatMap(([tag, bases]) =>
      bases.flatMap((b) => {
        const dropped = conflicts("", b)
        return dropped.length ? [`${tag} "${b}": ${dropped.join(" ")}`] : []
      }),
    )
    expect(fights).toEqual([])
  })

  it("no call site sets a utility its primitive already sets, in any variant or size", () => {
    const fights = uses.flatMap((u) => {
      const bases = PRIMITIVES[FORWARDS_TO[u.tag] ?? u.tag]
      if (!bases) return []
      const dropped = [...new Set(bases.flatMap((b) => conflicts(b, u.classes)))]
      return dropped.length ? [`${u.file}: <${u.tag} className="${u.classes}"> overrides ${dropped.join(" ")}`] : []
    })
    expect(fights).toEqual([])
  })

  it("the check sees an override", () => {
    expect(conflicts(rendered(CardTitle), "text-2xl")).toContain("text-lg") // and leading-none before tailwind-merge 3.7.1
    expect(conflicts(rendered(CardFooter), "flex-col pt-2")).toEqual(["pt-0"])
    expect(conflicts(rendered(CardContent), "space-y-4")).toEqual([])
  })

  it("renders the same classes as before for Button's asChild (one child, classes joined)", async () => {
    const { Button } = await import("@/components/ui/button")
    const html = renderToStaticMarkup(
      createElement(Button, { asChild: true, variant: "ghost", size: "sm" }, createElement("a", { href: "/x", className: "extra" }, "x")),
    )
    const classes = cx(BUTTON_BASE, BUTTON_VARIANTS.ghost, BUTTON_SIZES.sm, "extra").replaceAll("&", "&amp;")
    expect(html).toBe(`<a href="/x" class="${classes}">x</a>`)
  })
})
