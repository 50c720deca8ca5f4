// Checks a JSON value against a Stripe shape: drift (wrong type, missing field, unknown enum value)
// is an error listing its path; a field Stripe does not declare is reported as an extra.
import type { Shape, Shapes } from "./shapes"

export type Finding = { errors: string[]; extras: string[] }

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)

/** The root shape for a Stripe object, chosen by its `object` (and `deleted`) field. */
export function rootFor(shapes: Shapes, value: unknown): string | undefined {
  if (!value || typeof value !== "object") return undefined
  const v = value as { object?: unknown; deleted?: unknown }
  if (typeof v.object !== "string") return undefined
  return shapes.roots[v.deleted === true ? `${v.object}:deleted` : v.object]
}

export function validate(shapes: Shapes, value: unknown, root?: string, at = "$"): Finding {
  const out: Finding = { errors: [], extras: [] }
  const name = root ?? rootFor(shapes, value)
  if (!name) {
    out.errors.push(`${at}: not a Stripe object the contract knows (object=${String((value as { object?: unknown })?.object)})`)
    return out
  }
  check(shapes, { t: "ref", name }, value, at, out)
  // An event's data.object is declared as `{}`: check it as the object it carries.
  const data =
    (value as { object?: string; data?: { object?: unknown } }).object === "event"
      ? (value as { data?: { object?: unknown } }).data
      : undefined
  if (data?.object) {
    const inner = validate(shapes, data.object, undefined, `${at}.data.object`)
    out.errors.push(...inner.errors)
    out.extras.push(...inner.extras)
  }
  return out
}

function check(shapes: Shapes, shape: Shape, v: unknown, at: string, out: Finding): void {
  switch (shape.t) {
    case "any":
      return
    case "string":
    case "number":
    case "boolean":
    case "null":
      if (kind(v) !== shape.t)
        out.errors.push(`${at}: expected ${shape.t}, got ${kind(v)}${kind(v) === "object" ? "" : ` (${JSON.stringify(v)})`}`)
      return
    case "enum":
      if (typeof v !== "string") out.errors.push(`${at}: expected one of ${shape.values.join("|")}, got ${kind(v)}`)
      else if (shape.values.length && !shape.values.includes(v)) out.errors.push(`${at}: "${v}" is not one of ${shape.values.join("|")}`)
      return
    case "array":
      if (!Array.isArray(v)) out.errors.push(`${at}: expected array, got ${kind(v)}`)
      else v.forEach((x, i) => check(shapes, shape.items, x, `${at}[${i}]`, out))
      return
    case "map":
      if (kind(v) !== "object") out.errors.push(`${at}: expected object, got ${kind(v)}`)
      else for (const [k, x] of Object.entries(v as object)) check(shapes, shape.values, x, `${at}.${k}`, out)
      return
    case "resource":
      // An expanded Charge/Account/… is never returned by the emulator; an id string is handled by the union.
      if (kind(v) !== "object") out.errors.push(`${at}: expected ${shape.name} object, got ${kind(v)}`)
      return
    case "ref": {
      const def = shapes.defs[shape.name]
      if (!def) throw new Error(`contract: no shape ${shape.name}`)
      return check(shapes, def, v, at, out)
    }
    case "object": {
      if (kind(v) !== "object") {
        out.errors.push(`${at}: expected object, got ${kind(v)}`)
        return
      }
      const rec = v as Record<string, unknown>
      if (Object.keys(shape.props).length === 0) return // declared as `{}`: any object
      for (const [k, p] of Object.entries(shape.props)) {
        if (!(k in rec)) {
          if (!p.optional) out.errors.push(`${at}.${k}: missing`)
          continue
        }
        check(shapes, p.shape, rec[k], `${at}.${k}`, out)
      }
      for (const k of Object.keys(rec)) if (!(k in shape.props)) out.extras.push(`${at}.${k}`)
      return
    }
    case "union": {
      let best: Finding | undefined
      for (const member of shape.of) {
        const trial: Finding = { errors: [], extras: [] }
        check(shapes, member, v, at, trial)
        if (trial.errors.length === 0) {
          out.extras.push(...trial.extras)
          return
        }
        // Prefer the member whose structure matched (fewest errors, objects over scalars).
        if (!best || trial.errors.length < best.errors.length) best = trial
      }
      // An object that matches no member: report the errors inside the one object-shaped member.
      const objectMembers = shape.of.filter((m) => m.t === "ref" && shapes.defs[m.name]?.t === "object")
      if (kind(v) === "object" && objectMembers.length === 1) {
        best = { errors: [], extras: [] }
        check(shapes, objectMembers[0] as Shape, v, at, best)
      }
      if (best && kind(v) === "object" && best.errors.every((e) => !e.startsWith(`${at}: expected`))) {
        out.errors.push(...best.errors)
        out.extras.push(...best.extras)
      } else out.errors.push(`${at}: ${JSON.stringify(v)?.slice(0, 60)} matches none of ${shape.of.map(describe).join(" | ")}`)
      return
    }
  }
}

const describe = (s: Shape): string =>
  s.t === "ref" || s.t === "resource" ? s.name : s.t === "enum" ? s.values.map((x) => `"${x}"`).join("|") : s.t
