// The contract check: every /v1 and /v2 response and every webhook event the emulator produces is validated
// against Stripe's shapes (shapes.ts) as it goes out. Drift is recorded with its path (and, in strict
// mode, the response becomes a 500 naming it, so the test that made the call fails); extra fields
// Stripe does not declare are reported. report() counts operations, error cases and event types.
import { loadShapes, type Shapes } from "./shapes"
import { validate, type Finding } from "./validate"

/** Stripe's error object (docs.stripe.com/api/errors): these attributes, `type` one of four values. */
const ERROR_TYPES = ["api_error", "card_error", "idempotency_error", "invalid_request_error"]
const ERROR_KEYS = [
  "type",
  "code",
  "decline_code",
  "doc_url",
  "message",
  "param",
  "payment_method_type",
  "request_log_url",
  "advice_code",
  "network_advice_code",
  "network_decline_code",
  "charge",
  "payment_intent",
  "payment_method",
  "setup_intent",
  "source",
]

/** Stripe's `v2.error` schema: `code` and `message` required, these attributes only. */
const V2_ERROR_KEYS = ["type", "code", "message", "doc_url", "user_message"]
/**
 * v2 errors with a schema of their own (OpenAPI `v2.error.<code>`): the type their code comes with, the
 * status Stripe documents, and doc_url required.
 */
const V2_SPECIFIC_ERRORS: Record<string, { type: string; status: number }> = {
  billing_meter_event_session_expired: { type: "temporary_session_expired", status: 401 },
}
/** v2 operations whose success body is not an object with `object`: the OpenAPI schema `{}` with no properties. */
const V2_EMPTY_BODIES = ["POST /v2/billing/meter_event_stream"]

export type ContractReport = {
  operations: number
  errorCases: number
  eventTypes: number
  responses: number
  events: number
  drift: { where: string; errors: string[] }[]
  extras: Record<string, string[]>
  operationList: string[]
  errorCaseList: string[]
  eventTypeList: string[]
}

export class ContractRecorder {
  private shapes: Shapes
  private ops = new Set<string>()
  private errorCases = new Set<string>()
  private eventTypes = new Set<string>()
  private drift: ContractReport["drift"] = []
  private extras = new Map<string, Set<string>>()
  private counts = { responses: 0, events: 0 }

  /** `shapes` given, or loaded from `shapesCacheDir` (see loadShapes: STRIPE_SHAPES_CACHE_DIR, else .data/). */
  constructor(
    readonly strict = true,
    shapes?: Shapes,
    shapesCacheDir?: string,
  ) {
    this.shapes = shapes ?? loadShapes(shapesCacheDir)
  }

  /** Checks one /v1 response; returns the drift found (empty when the body matches Stripe's shape). */
  response(operation: string, status: number, body: unknown): string[] {
    this.counts.responses++
    const v2 = operation.split(" ")[1]?.startsWith("/v2/") ?? false
    const errors = status >= 400 ? (v2 ? checkV2Error(body, status) : checkError(body, status)) : this.checkBody(operation, body)
    if (status >= 400) {
      const e = (body as { error?: { type?: string; code?: string } }).error
      this.errorCases.add(`${status} ${e?.type ?? "?"}${e?.code ? `/${e.code}` : ""} ← ${operation}`)
    } else this.ops.add(operation)
    if (errors.length) this.drift.push({ where: `${operation} → ${status}`, errors })
    return errors
  }

  event(event: { type: string; id: string }): string[] {
    this.counts.events++
    this.eventTypes.add(event.type)
    const f = validate(this.shapes, event)
    if (!this.shapes.eventTypes.includes(event.type))
      f.errors.push(`$.type: "${event.type}" is not an event type at ${this.shapes.version}`)
    this.noteExtras(`event ${event.type}`, f)
    if (f.errors.length) this.drift.push({ where: `event ${event.type} ${event.id}`, errors: f.errors })
    return f.errors
  }

  report(): ContractReport {
    return {
      operations: this.ops.size,
      errorCases: this.errorCases.size,
      eventTypes: this.eventTypes.size,
      ...this.counts,
      drift: this.drift,
      extras: Object.fromEntries([...this.extras].map(([k, v]) => [k, [...v]])),
      operationList: [...this.ops].sort(),
      errorCaseList: [...this.errorCases].sort(),
      eventTypeList: [...this.eventTypes].sort(),
    }
  }

  private checkBody(operation: string, body: unknown): string[] {
    const b = body as { object?: string; data?: unknown[] }
    let f: Finding
    if (V2_EMPTY_BODIES.includes(operation)) {
      const keys = body && typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : null
      f = { errors: keys === null ? ["$: expected {}"] : keys.map((k) => `$.${k}: not allowed (the response is {})`), extras: [] }
    } else if (b?.object === "list" || b?.object === "search_result") {
      f = { errors: [], extras: [] }
      for (const k of ["data", "has_more", "url"]) if (!(k in b)) f.errors.push(`$.${k}: missing`)
      ;(b.data ?? []).forEach((item, i) => {
        const inner = validate(this.shapes, item, undefined, `$.data[${i}]`)
        f.errors.push(...inner.errors)
        f.extras.push(...inner.extras)
      })
    } else f = validate(this.shapes, body)
    this.noteExtras(operation, f)
    return f.errors
  }

  private noteExtras(where: string, f: Finding) {
    if (!f.extras.length) return
    const set = this.extras.get(where) ?? new Set<string>()
    for (const e of f.extras) set.add(e.replace(/\[\d+\]/g, "[]"))
    this.extras.set(where, set)
  }
}

function checkError(body: unknown, status: number): string[] {
  const e = (body as { error?: Record<string, unknown> })?.error
  if (!e || typeof e !== "object") return ["$.error: missing"]
  const errors: string[] = []
  // Rate limiting (429) is the one documented case whose type is not among the four.
  if (!ERROR_TYPES.includes(String(e.type)) && !(status === 429 && e.type === "invalid_request_error"))
    errors.push(`$.error.type: "${String(e.type)}" is not one of ${ERROR_TYPES.join("|")}`)
  if (typeof e.message !== "string") errors.push("$.error.message: expected string")
  for (const k of Object.keys(e)) if (!ERROR_KEYS.includes(k)) errors.push(`$.error.${k}: not an attribute of Stripe's error object`)
  if (e.type === "card_error" && status !== 402) errors.push(`status ${status}: card errors are 402`)
  if (e.code === "resource_missing" && typeof e.param !== "string" && status === 404 && !/Unrecognized request URL/.test(String(e.message)))
    errors.push("$.error.param: resource_missing names its param")
  return errors
}

function checkV2Error(body: unknown, status: number): string[] {
  const e = (body as { error?: Record<string, unknown> })?.error
  if (!e || typeof e !== "object") return ["$.error: missing"]
  const errors: string[] = []
  if (typeof e.code !== "string") errors.push("$.error.code: expected string (v2 errors always carry a code)")
  if (typeof e.message !== "string") errors.push("$.error.message: expected string")
  for (const k of ["type", "doc_url", "user_message"]) if (k in e && typeof e[k] !== "string") errors.push(`$.error.${k}: expected string`)
  for (const k of Object.keys(e)) if (!V2_ERROR_KEYS.includes(k)) errors.push(`$.error.${k}: not an attribute of Stripe's v2 error`)
  const specific = V2_SPECIFIC_ERRORS[String(e.code)]
  if (specific) {
    if (e.type !== specific.type) errors.push(`$.error.type: ${String(e.code)} comes with type ${specific.type}`)
    if (typeof e.doc_url !== "string") errors.push(`$.error.doc_url: required with ${String(e.code)}`)
    if (status !== specific.status) errors.push(`status ${status}: ${String(e.code)} is ${specific.status}`)
  }
  return errors
}

/** One report from several recorders (the suite's shared emulator and the files that start their own). */
export function mergeReports(reports: ContractReport[]): ContractReport {
  const union = (k: "operationList" | "errorCaseList" | "eventTypeList") => [...new Set(reports.flatMap((r) => r[k]))].sort()
  const extras: Record<string, string[]> = {}
  for (const r of reports) for (const [k, v] of Object.entries(r.extras)) extras[k] = [...new Set([...(extras[k] ?? []), ...v])]
  const operationList = union("operationList")
  const errorCaseList = union("errorCaseList")
  const eventTypeList = union("eventTypeList")
  return {
    operations: operationList.length,
    errorCases: errorCaseList.length,
    eventTypes: eventTypeList.length,
    responses: reports.reduce((n, r) => n + r.responses, 0),
    events: reports.reduce((n, r) => n + r.events, 0),
    drift: reports.flatMap((r) => r.drift),
    extras,
    operationList,
    errorCaseList,
    eventTypeList,
  }
}

export function formatReport(r: ContractReport): string {
  const lines = [
    `Stripe contract: ${r.operations} operations, ${r.errorCases} error cases, ${r.eventTypes} event types checked (${r.responses} responses, ${r.events} events); ${r.drift.length} drift`,
  ]
  for (const d of r.drift.slice(0, 20)) lines.push(`  DRIFT ${d.where}: ${d.errors.slice(0, 5).join("; ")}`)
  const extras = Object.entries(r.extras)
  if (extras.length)
    lines.push(`  extra fields Stripe does not declare: ${extras.map(([k, v]) => `${k}: ${v.slice(0, 4).join(", ")}`).join(" | ")}`)
  return lines.join("\n")
}
