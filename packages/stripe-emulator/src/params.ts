// Request parameters as Stripe reads them: form-encoded with bracket nesting, strings everywhere.
import qs from "qs"
import { invalid, StripeApiError, unknownParam } from "./errors"

export type Params = Record<string, unknown>

export function parseForm(body: string): Params {
  return qs.parse(body, { depth: 10, arrayLimit: 1000, parameterLimit: 10_000, allowDots: false }) as Params
}

/** Rejects keys a handler does not know, as Stripe does (`expand` is always allowed). */
export function allow(params: Params, keys: string[], prefix = ""): true {
  for (const k of Object.keys(params))
    if ((prefix || k !== "expand") && !keys.includes(k)) throw unknownParam(prefix ? `${prefix}[${k}]` : k)
  return true
}

export const str = (p: Params, key: string): string | undefined => {
  const v = p[key]
  if (v === undefined) return undefined
  if (typeof v !== "string") throw invalid(key, `Invalid string: ${key}`)
  return v
}
export const req = (p: Params, key: string): string => {
  const v = str(p, key)
  if (!v) throw missingParam(key)
  return v
}
export const int = (p: Params, key: string): number | undefined => {
  const v = str(p, key)
  if (v === undefined || v === "") return undefined
  if (!/^-?\d+$/.test(v))
    throw new StripeApiError(400, "invalid_request_error", `Invalid integer: ${v}`, { code: "parameter_invalid_integer", param: key })
  return Number(v)
}
/** Stripe's answer to a required parameter left out (`prefix` names the parent hash, `items[0]`). */
export const missingParam = (param: string) =>
  new StripeApiError(400, "invalid_request_error", `Missing required param: ${param}.`, { code: "parameter_missing", param })

export const bool = (p: Params, key: string): boolean | undefined => {
  const v = str(p, key)
  if (v === undefined || v === "") return undefined
  if (v !== "true" && v !== "false") throw invalid(key, `Invalid boolean: ${v}`)
  return v === "true"
}
export const obj = (p: Params, key: string): Params | undefined => {
  const v = p[key]
  if (v === undefined || v === "") return undefined
  if (typeof v !== "object" || Array.isArray(v)) throw invalid(key, `Invalid object: ${key}`)
  return v as Params
}
export const list = (p: Params, key: string): unknown[] | undefined => {
  const v = p[key]
  if (v === undefined || v === "") return undefined
  if (Array.isArray(v)) return v
  if (typeof v === "object") return Object.values(v as object) // items[0]…items[n] beyond qs' array limit
  throw invalid(key, `Invalid array: ${key}`)
}
/** `metadata[k]=v`; an empty string unsets a key, as on Stripe. */
export function mergeMetadata(current: Record<string, string>, p: Params, key = "metadata"): Record<string, string> {
  const m = p[key]
  if (m === undefined) return current
  if (m === "") return {}
  if (typeof m !== "object") throw invalid(key, "Invalid object")
  const next = { ...current }
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    if (v === "") delete next[k]
    else next[k] = String(v)
  }
  return next
}
