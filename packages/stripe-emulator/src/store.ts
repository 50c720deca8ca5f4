// The emulator's state: every object by id, the event log, idempotency records and the clock.
// In dev it persists to a JSON file (debounced) so a restart keeps customers and subscriptions.
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import path from "node:path"
import { invalid, missing, StripeApiError, unknownParam } from "./errors"
import type { Params } from "./params"

export type StripeObject = { id: string; object: string; created?: number; [key: string]: unknown }
export type IdempotencyRecord = { fingerprint: string; status: number; body: string; at: number }

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

export class Store {
  objects = new Map<string, StripeObject>()
  /**
   * The same objects by type (`customer`, `invoice` …), in the order they were first stored: `all(type)`
   * walks the objects of that type only, not every object in the store (a bulk import's 100,000 invoices
   * and events no longer slow down a lookup of webhook endpoints).
   */
  private byType = new Map<string, Map<string, StripeObject>>()
  /** Ids of the objects that name a customer (`customer`, or `_customer` on stored entitlements), by that customer. */
  private byCustomer = new Map<string, Set<string>>()
  private ownerOf = new Map<string, string>()
  /** When each id was first stored (all()'s order). */
  private firstStored = new Map<string, number>()
  idempotency = new Map<string, IdempotencyRecord>()
  /** Seconds added to the wall clock by /_emulator/clock/advance. */
  clockOffset = 0
  private saveTimer: NodeJS.Timeout | undefined
  private seq = 0

  constructor(private file?: string) {
    if (file && existsSync(file)) this.load(file)
  }

  /** While a test clock runs what is due, "now" is that clock's time (see clock.ts). */
  frozenAt: number | null = null

  now(): number {
    return this.frozenAt ?? Math.floor(Date.now() / 1000) + this.clockOffset
  }

  /** Stripe-style ids: prefix, a sortable part and randomness (`sub_1Q…`). */
  id(prefix: string, length = 24): string {
    const bytes = randomBytes(length)
    let out = (this.now() * 1000 + (this.seq++ % 1000)).toString(36).toUpperCase()
    for (const b of bytes) out += ALPHABET[b % ALPHABET.length]
    return `${prefix}_${out.slice(0, length)}`
  }

  /** Counts writes: a request that wrote nothing did not start executing (idempotency, server.ts). */
  writes = 0

  put<T extends { id: string }>(obj: T): T {
    this.writes++
    this.index(obj as unknown as StripeObject)
    this.changed()
    return obj
  }

  private index(o: StripeObject) {
    const before = this.objects.get(o.id)
    if (before && before.object !== o.object) this.byType.get(before.object)?.delete(o.id)
    if (!before) this.firstStored.set(o.id, this.firstStored.size)
    this.objects.set(o.id, o)
    let ofType = this.byType.get(o.object)
    if (!ofType) this.byType.set(o.object, (ofType = new Map()))
    ofType.set(o.id, o)
    const owner = typeof o.customer === "string" ? o.customer : typeof o._customer === "string" ? o._customer : undefined
    const was = this.ownerOf.get(o.id)
    if (was === owner) return
    if (was !== undefined) this.byCustomer.get(was)?.delete(o.id)
    if (owner === undefined) this.ownerOf.delete(o.id)
    else {
      this.ownerOf.set(o.id, owner)
      let mine = this.byCustomer.get(owner)
      if (!mine) this.byCustomer.set(owner, (mine = new Set()))
      mine.add(o.id)
    }
  }

  find<T>(id: string | null | undefined): T | undefined {
    return id ? (this.objects.get(id) as T | undefined) : undefined
  }

  get<T>(id: string, kind: string, object = kind, param = "id"): T {
    const found = this.objects.get(id)
    if (!found || found.object !== object || found.deleted) throw missing(kind, id, param)
    return found as unknown as T
  }

  all<T>(object: string, where: (o: T) => boolean = () => true): T[] {
    const out: T[] = []
    for (const o of this.byType.get(object)?.values() ?? [])
      if (o.object === object && !o.deleted && where(o as unknown as T)) out.push(o as unknown as T)
    return out
  }

  /**
   * `all(object, where)` restricted to the objects naming `customer` (as `customer`, or `_customer`), in
   * the same order (first stored first): a customer's subscriptions, invoices or entitlements without
   * walking everyone's.
   */
  ofCustomer<T>(object: string, customer: string, where: (o: T) => boolean = () => true): T[] {
    const ofType = this.byType.get(object)
    const mine = this.byCustomer.get(customer)
    if (!ofType || !mine) return []
    const out: StripeObject[] = []
    for (const id of mine) {
      const o = ofType.get(id)
      if (o && !o.deleted && where(o as unknown as T)) out.push(o)
    }
    out.sort((a, b) => (this.firstStored.get(a.id) ?? 0) - (this.firstStored.get(b.id) ?? 0))
    return out as unknown as T[]
  }

  reset() {
    this.objects.clear()
    this.byType.clear()
    this.byCustomer.clear()
    this.ownerOf.clear()
    this.firstStored.clear()
    this.idempotency.clear()
    this.clockOffset = 0
    this.changed()
  }

  changed() {
    if (!this.file || this.saveTimer) return
    this.saveTimer = setTimeout(() => this.flush(), 200)
    this.saveTimer.unref()
  }

  flush() {
    clearTimeout(this.saveTimer)
    this.saveTimer = undefined
    if (!this.file) return
    mkdirSync(path.dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp`
    const dayAgo = Date.now() / 1000 - 86_400
    for (const [k, v] of this.idempotency) if (v.at < dayAgo) this.idempotency.delete(k) // Stripe keeps keys 24 h
    writeFileSync(
      tmp,
      JSON.stringify({ clockOffset: this.clockOffset, objects: [...this.objects.values()], idempotency: [...this.idempotency] }),
    )
    renameSync(tmp, this.file)
  }

  private load(file: string) {
    const data = JSON.parse(readFileSync(file, "utf8")) as {
      clockOffset: number
      objects: StripeObject[]
      idempotency: [string, IdempotencyRecord][]
    }
    this.clockOffset = data.clockOffset ?? 0
    for (const o of data.objects ?? []) this.index(o)
    this.idempotency = new Map(data.idempotency ?? [])
  }
}

/**
 * A list's `created` filter: a timestamp (exactly then) or a range `created[gt|gte|lt|lte]`; any other
 * key is refused naming it. Returns the test for an object's `created`.
 */
export function createdFilter(params: Params): (created: number | undefined) => boolean {
  const v = params.created
  if (v === undefined || v === "") return () => true
  const num = (key: string, raw: unknown) => {
    if (typeof raw !== "string" || !/^\d+$/.test(raw))
      throw new StripeApiError(400, "invalid_request_error", `Invalid integer: ${String(raw)}`, {
        code: "parameter_invalid_integer",
        param: key,
      })
    return Number(raw)
  }
  if (typeof v === "string") {
    const at = num("created", v)
    return (c) => c === at
  }
  if (typeof v !== "object" || Array.isArray(v)) throw invalid("created", "Invalid created: must be a timestamp or a range")
  const bounds: Array<(c: number) => boolean> = []
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    const n = num(`created[${k}]`, raw)
    if (k === "gt") bounds.push((c) => c > n)
    else if (k === "gte") bounds.push((c) => c >= n)
    else if (k === "lt") bounds.push((c) => c < n)
    else if (k === "lte") bounds.push((c) => c <= n)
    else throw unknownParam(`created[${k}]`)
  }
  return (c) => c !== undefined && bounds.every((b) => b(c))
}

/** A Stripe list object, newest first, with `limit`, `starting_after` and `ending_before`. */
export function paginate<T extends { id: string; created?: number }>(items: T[], params: Params, url: string) {
  // Newest first; objects created in the same second keep their creation order (items come in store order).
  const sorted = items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => (b.item.created ?? 0) - (a.item.created ?? 0) || b.i - a.i)
    .map((x) => x.item)
  const limit = listLimit(params)
  let start = 0
  if (typeof params.starting_after === "string") {
    const i = sorted.findIndex((o) => o.id === params.starting_after)
    if (i < 0) throw missing("object", params.starting_after, "starting_after")
    start = i + 1
  } else if (typeof params.ending_before === "string") {
    const i = sorted.findIndex((o) => o.id === params.ending_before)
    if (i < 0) throw missing("object", params.ending_before, "ending_before")
    start = Math.max(0, i - limit)
    const data = sorted.slice(start, i)
    return { object: "list" as const, data, has_more: start > 0, url }
  }
  const data = sorted.slice(start, start + limit)
  return { object: "list" as const, data, has_more: start + limit < sorted.length, url }
}

/** `limit` as Stripe reads it: an integer from 1 to 100, 10 when absent. */
function listLimit(params: Params): number {
  const raw = params.limit
  if (raw === undefined || raw === "") return 10
  if (typeof raw !== "string" || !/^-?\d+$/.test(raw))
    throw new StripeApiError(400, "invalid_request_error", `Invalid integer: ${String(raw)}`, {
      code: "parameter_invalid_integer",
      param: "limit",
    })
  const n = Number(raw)
  if (n < 1) throw invalid("limit", `This value must be greater than or equal to 1 (it currently is '${n}').`)
  if (n > 100) throw invalid("limit", `This value must be less than or equal to 100 (it currently is '${n}').`)
  return n
}

/** Replaces id strings at the dotted `paths` (`latest_invoice`, `data.product`, `items.data.price.product`). */
/** Unknown or non-expandable paths are refused as Stripe refuses them; at most 4 levels deep. */
export function expand(store: Store, value: unknown, paths: string[]): unknown {
  let out = structuredClone(value)
  paths.forEach((p, i) => {
    const parts = p.split(".")
    if (parts.length > 4) throw invalid(`expand[${i}]`, `You cannot expand more than 4 levels of a property. Property: ${p}`)
    out = expandPath(store, out, parts, p, i)
  })
  return out
}

/** Fields Stripe includes only when expanded; the emulator always shows them where they exist (a tiered price's `tiers`). */
const INCLUDABLE = new Set(["tiers"])

function expandPath(store: Store, value: unknown, parts: string[], path: string, index: number): unknown {
  if (value === null || value === undefined || parts.length === 0) return value
  if (Array.isArray(value)) return value.map((v) => expandPath(store, v, parts, path, index))
  if (typeof value !== "object") return value
  const [head, ...rest] = parts as [string, ...string[]]
  const rec = value as Record<string, unknown>
  const cannot = () => invalid(`expand[${index}]`, `This property cannot be expanded (${path}).`)
  // Lists (`data.…`) and already expanded objects are walked through; an id string is replaced.
  if (!(head in rec)) {
    // An includable field (Stripe adds it only when expanded) that this object has not got: nothing to add.
    if (INCLUDABLE.has(head) && rest.length === 0) return rec
    throw cannot()
  }
  let child = rec[head]
  const byId = (id: string) => {
    const found = store.find<StripeObject>(id)
    if (!found) throw cannot()
    return structuredClone(found)
  }
  // An array of ids (`discounts`) expands element by element.
  if (Array.isArray(child)) child = child.map((c: unknown) => (typeof c === "string" ? byId(c) : c))
  else if (typeof child === "string") child = byId(child)
  else if (child !== null && typeof child !== "object") throw cannot()
  else if (child && typeof child === "object" && rest.length === 0 && !("id" in child) && (child as { object?: unknown }).object !== "list")
    throw cannot()
  rec[head] = expandPath(store, child, rest, path, index)
  return rec
}
