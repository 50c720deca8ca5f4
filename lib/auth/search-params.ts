// Page search params parsed with zod: Next hands a repeated parameter (?next=a&next=b) over as an
// array, so each value is read by its first occurrence before the schema sees it; a bad value gets
// the schema's default (or undefined), never a throw.
import { z } from "zod"

/** What Next passes a page as `searchParams` (awaited). */
export type PageSearchParams = Record<string, string | string[] | undefined>

type Raw = PageSearchParams | URLSearchParams

/** The first value of each parameter. */
export function firstValues(raw: Raw): Record<string, string> {
  const out: Record<string, string> = {}
  if (raw instanceof URLSearchParams) {
    for (const key of new Set(raw.keys())) out[key] = raw.get(key) ?? ""
    return out
  }
  for (const [key, value] of Object.entries(raw)) {
    const first = Array.isArray(value) ? value[0] : value
    if (typeof first === "string") out[key] = first
  }
  return out
}

/** Parses `raw` with `shape`, field by field: a field that fails its schema is left undefined. */
export function parseSearchParams<S extends z.ZodRawShape>(raw: Raw, shape: S): Partial<z.infer<z.ZodObject<S>>> {
  const values = firstValues(raw)
  const out: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(shape)) {
    const parsed = (schema as z.ZodType).safeParse(values[key])
    if (parsed.success && parsed.data !== undefined) out[key] = parsed.data
  }
  return out as Partial<z.infer<z.ZodObject<S>>>
}
