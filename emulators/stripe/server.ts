// The Stripe emulator's HTTP server: the /v1 API (auth, idempotency, expansion, Stripe's errors),
// the hosted Checkout, Customer Portal and invoice pages, and the /_emulator admin endpoints.
import { createHash } from "node:crypto"
import http from "node:http"
import Stripe from "stripe"
import { routes, type Handler } from "./api"
import { advanceTo } from "./clock"
import { DEFAULT_SETTINGS, type Ctx, type Settings } from "./context"
import { StripeApiError } from "./errors"
import { foreignRequest } from "../local-only"
import { renderPage } from "./pages/router"
import { parseForm, type Params } from "./params"
import { expand, Store } from "./store"
import { NO_CHAOS, WebhookDispatcher, type Chaos } from "./webhooks"

export type StripeEmulatorOptions = {
  port?: number
  host?: string
  /** Persist state to this JSON file (dev); in memory when omitted (tests). */
  stateFile?: string
  settings?: Partial<Settings>
  webhooks?: { retryDelaysMs?: number[]; concurrency?: number; timeoutMs?: number }
  log?: (line: string) => void
}

export type StripeEmulator = Awaited<ReturnType<typeof startStripeEmulator>>

const MAX_BODY = 1024 * 1024
const hideInternal = (key: string, value: unknown) => (key.startsWith("_") ? undefined : value)
const publicJson = (value: unknown) => JSON.stringify(value, hideInternal, 2)

type Compiled = { method: string; re: RegExp; keys: string[]; handler: Handler; specificity: number }
function compile(table: Record<string, Handler>): Compiled[] {
  return Object.entries(table)
    .map(([key, handler]) => {
      const [method, pattern] = key.split(" ") as [string, string]
      const keys: string[] = []
      const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_m, k: string) => (keys.push(k), "([^/]+)"))}$`)
      return { method, re, keys, handler, specificity: keys.length }
    })
    .sort((a, b) => a.specificity - b.specificity)
}

export async function startStripeEmulator(opts: StripeEmulatorOptions = {}) {
  const log = opts.log ?? ((line: string) => console.log(`[stripe] ${line}`))
  const store = new Store(opts.stateFile)
  const webhooks = new WebhookDispatcher(store, {
    retryDelaysMs: opts.webhooks?.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000, 600_000],
    concurrency: opts.webhooks?.concurrency ?? 8,
    timeoutMs: opts.webhooks?.timeoutMs ?? 10_000,
    log,
  })
  let currentRequest: { id: string; idempotencyKey: string | null } | null = null
  const ctx: Ctx = {
    store,
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    baseUrl: "",
    emit(type, object, previous) {
      const event = {
        id: store.id("evt"),
        object: "event",
        api_version: Stripe.API_VERSION,
        created: store.now(),
        data: { object: JSON.parse(publicJson(object)) as unknown, ...(previous ? { previous_attributes: JSON.parse(publicJson(previous)) as unknown } : {}) },
        livemode: false,
        pending_webhooks: store.all("webhook_endpoint").length,
        request: { id: currentRequest?.id ?? null, idempotency_key: currentRequest?.idempotencyKey ?? null },
        type,
      } as unknown as Stripe.Event
      store.put(event)
      webhooks.enqueue(event)
    },
  }
  const compiled = compile(routes)
  let port = 0 // known once listening

  async function readBody(req: http.IncomingMessage) {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_BODY) throw new StripeApiError(413, "invalid_request_error", "Request body too large.")
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString("utf8")
  }

  function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers })
    res.end(body)
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const requestId = store.id("req", 14)
    const headers = { "request-id": requestId, "stripe-version": String(req.headers["stripe-version"] ?? Stripe.API_VERSION) }
    try {
      const key = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1]
      if (!key)
        throw new StripeApiError(401, "invalid_request_error", "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
      if (!/^(sk|rk)_test_/.test(key)) throw new StripeApiError(401, "invalid_request_error", `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`)
      const method = req.method ?? "GET"
      const body = await readBody(req)
      const params: Params = method === "GET" || method === "DELETE" ? { ...parseForm(url.search.slice(1)), ...parseForm(body) } : parseForm(body)
      const route = compiled.find((r) => r.method === method && r.re.test(url.pathname))
      if (!route) throw new StripeApiError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${url.pathname}). The emulator does not implement this endpoint; see emulators/stripe/README.md.`)
      const idemKey = method === "POST" ? (req.headers["idempotency-key"] as string | undefined) : undefined
      const fingerprint = createHash("sha256").update(`${method} ${url.pathname}\n${body}`).digest("hex")
      const scope = idemKey ? `${key}:${idemKey}` : undefined
      const prior = scope ? store.idempotency.get(scope) : undefined
      if (prior) {
        if (prior.fingerprint !== fingerprint)
          throw new StripeApiError(400, "idempotency_error", `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`)
        return send(res, prior.status, prior.body, { ...headers, "idempotent-replayed": "true", ...(idemKey ? { "idempotency-key": idemKey } : {}) })
      }
      const match = route.re.exec(url.pathname)!
      const pathParams = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1]!)]))
      let status = 200
      let out: string
      currentRequest = { id: requestId, idempotencyKey: idemKey ?? null }
      try {
        const result = route.handler(ctx, params, pathParams)
        const paths = Array.isArray(params.expand) ? params.expand.map(String) : []
        out = publicJson(paths.length ? expand(store, result, paths) : result)
      } catch (err) {
        if (!(err instanceof StripeApiError)) throw err
        status = err.status
        out = JSON.stringify(err.toJSON(), null, 2)
      } finally {
        currentRequest = null
      }
      // Stripe stores the outcome of any request that reached the API, errors included.
      if (scope && status !== 500) store.idempotency.set(scope, { fingerprint, status, body: out, at: Date.now() / 1000 })
      store.changed()
      send(res, status, out, { ...headers, ...(idemKey ? { "idempotency-key": idemKey } : {}) })
    } catch (err) {
      if (err instanceof StripeApiError) return send(res, err.status, JSON.stringify(err.toJSON(), null, 2), headers)
      log(`internal error on ${req.method} ${url.pathname}: ${(err as Error).stack}`)
      send(res, 500, JSON.stringify({ error: { type: "api_error", message: "An unknown error occurred in the emulator." } }), headers)
    }
  }

  async function admin(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const refused = foreignRequest(req, port)
    if (refused) return send(res, 403, JSON.stringify({ error: refused }))
    const body = req.method === "POST" ? await readBody(req) : ""
    const p = body ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(url.searchParams)
    const json = (v: unknown) => send(res, 200, JSON.stringify(v, null, 2))
    switch (`${req.method} ${url.pathname}`) {
      case "GET /_emulator/health":
        return json({ ok: true, now: store.now() })
      case "POST /_emulator/reset":
        store.reset()
        return json({ ok: true })
      case "GET /_emulator/clock":
        return json({ now: store.now(), offset: store.clockOffset })
      case "POST /_emulator/clock/advance": {
        const to = p.to !== undefined ? Number(p.to) : store.now() + Number(p.seconds ?? 0) + Number(p.days ?? 0) * 86_400
        advanceTo(ctx, to)
        return json({ now: store.now() })
      }
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
    const route = url.pathname.startsWith("/v1/") ? api : url.pathname.startsWith("/_emulator/") ? admin : null
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
    client: (key = "sk_test_emulator") => new Stripe(key, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 }),
    advance: (seconds: number) => advanceTo(ctx, store.now() + seconds),
    stop: async () => {
      webhooks.stop()
      store.flush()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
