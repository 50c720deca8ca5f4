// The Stripe emulator's HTTP server: the /v1 API (auth, idempotency, expansion, Stripe's errors), the
// /v2 meter event session, stream and adjustments (JSON bodies, v2 errors; the stream, which Stripe
// serves on meter-events.stripe.com, on the same port: the SDK sends it to the configured `host`), the
// hosted Checkout, Customer Portal and invoice pages, and the /_emulator admin endpoints.
import { createHash } from "node:crypto"
import http from "node:http"
import Stripe from "stripe"
import { routes, type Handler } from "./api"
import { bulkImport, type BulkCustomer } from "./bulk"
import { advanceTo } from "./clock"
import { afterEmit } from "./resources/entitlements"
import { authenticateStream, STREAM_PATH } from "./resources/meter-stream"
import { atCustomerTime, requestCustomer } from "./resources/test-clocks"
import { brandingOf, DEFAULT_SETTINGS, type Branding, type Ctx, type Settings } from "./context"
import { StripeApiError } from "./errors"
import { foreignRequest } from "@subkit/local-only"
import { renderPage } from "./pages/router"
import { parseForm, type Params } from "./params"
import { expand, Store } from "./store"
import { NO_CHAOS, WebhookDispatcher, exponentialDelays, type Chaos } from "./webhooks"
import { RateLimiter, parseLatency, type Latency } from "./load"
import type { ContractRecorder } from "./contract/recorder"

/** The key the emulator accepts unless told otherwise (lib/env.ts uses the same default offline). */
export const DEFAULT_SECRET_KEY = "sk_test_subkit_emulator"

export type StripeEmulatorOptions = {
  port?: number
  host?: string
  /** Persist state to this JSON file (dev); in memory when omitted (tests). */
  stateFile?: string
  settings?: Partial<Settings>
  /** The account's name and colour on invoices and the hosted pages (neutral defaults: "Test account"). */
  branding?: Partial<Branding>
  /** The one secret key accepted (401 for any other), as a Stripe account has. */
  secretKey?: string
  /** Added to every /v1 response: ms, `[min, max]`, or "150" / "100-300" (STRIPE_EMULATOR_LATENCY_MS). */
  latencyMs?: Latency
  /** /v1 requests per second before Stripe's 429 `rate_limit` (STRIPE_EMULATOR_RATE_LIMIT); unlimited when omitted. */
  rateLimit?: number
  /**
   * Failed deliveries (non-2xx, timeout) are retried after these waits; by default an exponential
   * ladder as Stripe's (`initialMs` × 2^n, `attempts` retries).
   */
  webhooks?: { retryDelaysMs?: number[]; initialRetryMs?: number; retries?: number; concurrency?: number; timeoutMs?: number }
  /** Validate every response and event against Stripe's shapes (contract/recorder.ts). */
  contract?: ContractRecorder
  log?: (line: string) => void
}

export type { BulkCustomer, BulkImportResult, BulkSubscription } from "./bulk"
export type StripeEmulator = Awaited<ReturnType<typeof startStripeEmulator>>

const MAX_BODY = 1024 * 1024
/** POST /_emulator/bulk takes up to this much JSON (10,000 customers are about 3 MB). */
const MAX_BULK_BODY = 256 * 1024 * 1024
const hideInternal = (key: string, value: unknown) => (key.startsWith("_") ? undefined : value)
const publicJson = (value: unknown) => JSON.stringify(value, hideInternal, 2)

type Compiled = { method: string; pattern: string; re: RegExp; keys: string[]; handler: Handler; specificity: number }
function compile(table: Record<string, Handler>): Compiled[] {
  return Object.entries(table)
    .map(([key, handler]) => {
      const [method, pattern] = key.split(" ") as [string, string]
      const keys: string[] = []
      const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_m, k: string) => (keys.push(k), "([^/]+)"))}$`)
      if (keys.some((k) => k !== "id" && k !== "product")) throw new Error(`route ${key}: path parameters are :id and :product`)
      return { method, pattern, re, keys, handler, specificity: keys.length }
    })
    .sort((a, b) => a.specificity - b.specificity)
}

export async function startStripeEmulator(opts: StripeEmulatorOptions = {}) {
  const log = opts.log ?? ((line: string) => console.log(`[stripe] ${line}`))
  const store = new Store(opts.stateFile)
  const webhooks = new WebhookDispatcher(store, {
    retryDelaysMs: opts.webhooks?.retryDelaysMs ?? exponentialDelays(opts.webhooks?.initialRetryMs ?? 1_000, opts.webhooks?.retries ?? 8),
    concurrency: opts.webhooks?.concurrency ?? 8,
    timeoutMs: opts.webhooks?.timeoutMs ?? 10_000,
    log,
  })
  const secretKey = opts.secretKey ?? DEFAULT_SECRET_KEY
  const latency = parseLatency(opts.latencyMs)
  const limiter = opts.rateLimit ? new RateLimiter(opts.rateLimit) : null
  let currentRequest: { id: string; idempotencyKey: string | null } | null = null
  const ctx: Ctx = {
    store,
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    branding: brandingOf(opts.branding),
    baseUrl: "",
    emit(type, object, previous) {
      // Stripe sends previous_attributes with every *.updated event: a missing one is an emulator bug.
      if (type.endsWith(".updated") && !previous) throw new Error(`${type} emitted without previous_attributes`)
      const event = {
        id: store.id("evt"),
        object: "event",
        api_version: Stripe.API_VERSION,
        created: store.now(),
        data: {
          object: JSON.parse(publicJson(object)) as unknown,
          ...(previous ? { previous_attributes: JSON.parse(publicJson(previous)) as unknown } : {}),
        },
        livemode: false,
        pending_webhooks: store.all("webhook_endpoint").length,
        request: { id: currentRequest?.id ?? null, idempotency_key: currentRequest?.idempotencyKey ?? null },
        type,
      } as unknown as Stripe.Event
      store.put(event)
      opts.contract?.event(event)
      webhooks.enqueue(event)
      afterEmit(ctx, type, object)
    },
  }
  const compiled = compile(routes)
  let port = 0 // known once listening

  async function readBody(req: http.IncomingMessage, max = MAX_BODY) {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > max) throw new StripeApiError(413, "invalid_request_error", "Request body too large.")
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString("utf8")
  }

  function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers })
    res.end(body)
  }

  /** The operation a path is (its route's pattern), for the contract report. */
  const operationOf = (method: string, pathname: string) => {
    const route = compiled.find((r) => r.method === method && r.re.test(pathname))
    return `${method} ${route ? route.pattern : pathname.replace(/\/[a-z]+_[A-Za-z0-9_]+/g, "/:id")}`
  }

  /** A /v2 body: JSON (Stripe's v2 APIs take JSON, not form encoding); empty is `{}`. */
  function parseJson(body: string): Params {
    if (!body.trim()) return {}
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      throw new StripeApiError(400, "invalid_request_error", "The request body is not valid JSON.", { code: "invalid_fields" })
    }
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new StripeApiError(400, "invalid_request_error", "The request body must be a JSON object.", { code: "invalid_fields" })
    return value as Params
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const v2 = url.pathname.startsWith("/v2/")
    // The meter event stream is Stripe's other host: a session token authenticates it, and the API's
    // rate limit does not apply to it (Stripe: up to 10,000 requests a second in live mode).
    const stream = v2 && url.pathname === STREAM_PATH
    const errorBody = (err: StripeApiError) => JSON.stringify(v2 ? err.toV2JSON() : err.toJSON(), null, 2)
    const requestId = store.id("req", 14)
    const headers = { "request-id": requestId, "stripe-version": String(req.headers["stripe-version"] ?? Stripe.API_VERSION) }
    try {
      const key = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1]
      if (!key)
        throw new StripeApiError(
          401,
          "invalid_request_error",
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
      if (stream) authenticateStream(ctx, key, secretKey)
      else if (key !== secretKey)
        throw new StripeApiError(
          401,
          "invalid_request_error",
          `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
        )
      if (limiter && !stream && !limiter.take())
        throw new StripeApiError(
          429,
          "invalid_request_error",
          "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
          { code: "rate_limit" },
        )
      if (latency) await new Promise((r) => setTimeout(r, latency()))
      const method = req.method ?? "GET"
      const body = await readBody(req)
      const params: Params = v2
        ? parseJson(body)
        : method === "GET" || method === "DELETE"
          ? { ...parseForm(url.search.slice(1)), ...parseForm(body) }
          : parseForm(body)
      const route = compiled.find((r) => r.method === method && r.re.test(url.pathname))
      if (!route)
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}). The emulator does not implement this endpoint; see packages/stripe-emulator/README.md.`,
        )
      const idemKey = method === "POST" ? (req.headers["idempotency-key"] as string | undefined) : undefined
      const fingerprint = createHash("sha256").update(`${method} ${url.pathname}\n${body}`).digest("hex")
      const scope = idemKey ? `${key}:${idemKey}` : undefined
      const prior = scope ? store.idempotency.get(scope) : undefined
      if (prior) {
        if (prior.fingerprint !== fingerprint)
          throw new StripeApiError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          )
        return send(res, prior.status, prior.body, {
          ...headers,
          "idempotent-replayed": "true",
          ...(idemKey ? { "idempotency-key": idemKey } : {}),
        })
      }
      const groups = route.re.exec(url.pathname)
      const values = new Map(route.keys.map((k, i) => [k, decodeURIComponent(groups?.[i + 1] ?? "")]))
      const pathParams = { id: values.get("id") ?? "", product: values.get("product") ?? "" }
      let status = 200
      let out: string
      let executed = true
      const operation = `${method} ${route.pattern}`
      currentRequest = { id: requestId, idempotencyKey: idemKey ?? null }
      const writesBefore = store.writes
      try {
        const expandParam = v2 || params.expand === undefined ? [] : params.expand
        if (!Array.isArray(expandParam)) throw new StripeApiError(400, "invalid_request_error", "Invalid array", { param: "expand" })
        // A Checkout Session is not a clock object (it expires in real time); completing it runs at the clock's time.
        // A v2 call names no customer at its top level (each stream event is timed by its own customer).
        const owner = v2 || route.pattern.startsWith("/v1/checkout/") ? undefined : requestCustomer(ctx, pathParams.id, params)
        const result = owner
          ? atCustomerTime(ctx, owner, () => route.handler(ctx, params, pathParams))
          : route.handler(ctx, params, pathParams)
        const paths = expandParam.map(String)
        out = publicJson(paths.length ? expand(store, result, paths) : result)
      } catch (err) {
        if (!(err instanceof StripeApiError)) throw err
        status = err.status
        out = errorBody(err)
        // Stripe saves an idempotent result only once the endpoint started executing: a request
        // refused by validation (nothing written) is not saved and may be retried with other parameters.
        executed = err.type !== "invalid_request_error" || store.writes !== writesBefore
      } finally {
        currentRequest = null
      }
      const drift = opts.contract?.response(operation, status, JSON.parse(out) as unknown) ?? []
      if (drift.length && opts.contract?.strict) {
        status = 500
        out = JSON.stringify(
          { error: { type: "api_error", message: `Stripe contract drift on ${operation}: ${drift.slice(0, 10).join("; ")}` } },
          null,
          2,
        )
      }
      if (scope && status !== 500 && executed) store.idempotency.set(scope, { fingerprint, status, body: out, at: Date.now() / 1000 })
      store.changed()
      send(res, status, out, { ...headers, ...(idemKey ? { "idempotency-key": idemKey } : {}) })
    } catch (err) {
      if (err instanceof StripeApiError) {
        const body = errorBody(err)
        opts.contract?.response(operationOf(req.method ?? "GET", url.pathname), err.status, JSON.parse(body) as unknown)
        return send(res, err.status, body, headers)
      }
      log(`internal error on ${req.method} ${url.pathname}: ${(err as Error).stack}`)
      send(res, 500, JSON.stringify({ error: { type: "api_error", message: "An unknown error occurred in the emulator." } }), headers)
    }
  }

  async function admin(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const refused = foreignRequest(req, port)
    if (refused) return send(res, 403, JSON.stringify({ error: refused }))
    const body = req.method === "POST" ? await readBody(req, url.pathname === "/_emulator/bulk" ? MAX_BULK_BODY : MAX_BODY) : ""
    const p = body ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(url.searchParams)
    const json = (v: unknown) => send(res, 200, JSON.stringify(v, null, 2))
    switch (`${req.method} ${url.pathname}`) {
      case "GET /_emulator/health":
        // No database: state lives in memory (and in the state file when given), so a Postgres outage
        // never reaches this emulator; the health body says so for the dev status table.
        return json({
          ok: true,
          now: store.now(),
          database: "none",
          state: opts.stateFile ? "file" : "memory",
          webhooks_pending: webhooks.pending(),
        })
      case "POST /_emulator/reset":
        store.reset()
        return json({ ok: true })
      case "GET /_emulator/clock":
        return json({ now: store.now(), offset: store.clockOffset })
      case "POST /_emulator/clock/advance": {
        // The emulator's own timeline is a test clock too: objects on no test clock follow it.
        const to = p.to !== undefined ? Number(p.to) : store.now() + Number(p.seconds ?? 0) + Number(p.days ?? 0) * 86_400
        advanceTo(ctx, to)
        return json({ now: store.now() })
      }
      case "POST /_emulator/bulk": {
        // Many customers with subscriptions and their history at once (bulk.ts); no events, no webhooks.
        const customers = (p as { customers?: unknown }).customers
        if (!Array.isArray(customers)) return send(res, 400, JSON.stringify({ error: 'expected {"customers": [...]}' }))
        try {
          return json(bulkImport(ctx, customers as BulkCustomer[]))
        } catch (err) {
          return send(res, 400, JSON.stringify({ error: (err as Error).message }))
        }
      }
      case "GET /_emulator/meter_event_errors":
        // Stream events Stripe would accept and then not count, with the reason its meter error report gives.
        return json({ data: store.all("emulator.meter_event_error") })
      case "GET /_emulator/contract":
        return json(opts.contract?.report() ?? null)
      case "POST /_emulator/webhooks/drain":
        await webhooks.idle()
        return json({ ok: true })
      case "POST /_emulator/webhooks/chaos":
        webhooks.chaos = { ...NO_CHAOS, ...(p as Partial<Chaos>) }
        return json(webhooks.chaos)
      case "GET /_emulator/webhooks/deliveries":
        return json({ pending: webhooks.pending(), deliveries: webhooks.deliveries.slice(-Number(p.limit ?? 200)) })
      default:
        return send(res, 404, JSON.stringify({ error: "unknown admin endpoint" }))
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const route =
      url.pathname.startsWith("/v1/") || url.pathname.startsWith("/v2/") ? api : url.pathname.startsWith("/_emulator/") ? admin : null
    const run = route ? route(req, res, url) : renderPage(ctx, req, res, url, readBody)
    run.catch((err: unknown) => {
      log(`error on ${req.method} ${url.pathname}: ${(err as Error).stack}`)
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: { type: "api_error", message: "emulator error" } }))
      else res.end()
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 12111, opts.host ?? "127.0.0.1", () => resolve())
  })
  port = (server.address() as { port: number }).port
  const url = `http://${opts.host ?? "127.0.0.1"}:${port}`
  ctx.baseUrl = url

  return {
    url,
    port,
    ctx,
    store,
    webhooks,
    /** A `stripe` client pointed at this emulator. */
    secretKey,
    client: (key = secretKey) => new Stripe(key, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 }),
    advance: (seconds: number) => advanceTo(ctx, store.now() + seconds),
    /** Customers with subscriptions and their history, made in process in one go (bulk.ts; no events or webhooks). */
    bulkImport: (customers: BulkCustomer[]) => bulkImport(ctx, customers),
    stop: async () => {
      webhooks.stop()
      store.flush()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
