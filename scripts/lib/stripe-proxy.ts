// An HTTP proxy in front of the Stripe emulator that makes it as slow, as limited and as faulty as
// we ask: real Stripe answers in 100–300 ms and allows ~25 requests/s in test mode. The benchmark
// and the integration tests put it between the app and the emulator; it also counts the app's calls.
//   POST /_proxy/faults {"status": 500, "count": 3, "path": "/v1/subscriptions"}   next 3 matching calls fail
//   DELETE /_proxy/faults                                                          clear them
//   GET /_proxy/stats                                                              {calls, limited, paths, faults}
//   POST /_proxy/config {"latencyMs": [100, 300], "rateLimit": 25}                 change the behaviour
import http from "node:http"

export type ProxyOptions = {
  /** Added to every API call: a fixed number of ms, or [min, max] drawn uniformly. */
  latencyMs?: number | [number, number]
  /** Requests per second before Stripe's 429 rate_limit error (token bucket, one second of burst). */
  rateLimit?: number
}
type Fault = { status: number; count: number; path?: string; headers?: Record<string, string> }

export type StripeProxy = {
  url: string
  /** `paths`: API calls by path, ids collapsed (`/v1/customers/:id`), to tell what the app called. */
  stats: () => { calls: number; limited: number; paths: Record<string, number> }
  configure: (o: ProxyOptions) => void
  stop: () => Promise<void>
}

/** "150" or "100-300" → latency option. */
export function parseLatency(v: string | undefined): ProxyOptions["latencyMs"] {
  if (!v) return undefined
  const [a, b] = v.split("-").map(Number)
  return b === undefined ? a : [a ?? 0, b]
}

export async function startStripeProxy(target: string, opts: ProxyOptions = {}): Promise<StripeProxy> {
  let faults: Fault[] = []
  let calls = 0
  let limited = 0
  const paths: Record<string, number> = {}
  let tokens = opts.rateLimit ?? 0
  let refilled = Date.now()
  const upstream = new URL(target)
  const delay = () => {
    const l = opts.latencyMs
    const ms = l === undefined ? 0 : typeof l === "number" ? l : l[0] + Math.random() * (l[1] - l[0])
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve()
  }
  const takeToken = () => {
    if (!opts.rateLimit) return true
    const now = Date.now()
    tokens = Math.min(opts.rateLimit, tokens + ((now - refilled) / 1000) * opts.rateLimit)
    refilled = now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
  const reply = (res: http.ServerResponse, status: number, body: object, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body))

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      if (req.url === "/_proxy/faults") {
        if (req.method === "POST") faults = [...faults, JSON.parse(body.toString() || "{}") as Fault]
        if (req.method === "DELETE") faults = []
        return reply(res, 200, { faults })
      }
      if (req.url === "/_proxy/stats") return reply(res, 200, { calls, limited, paths, faults })
      if (req.url === "/_proxy/config" && req.method === "POST") {
        Object.assign(opts, JSON.parse(body.toString() || "{}") as ProxyOptions)
        tokens = opts.rateLimit ?? 0
        return reply(res, 200, opts)
      }
      const api = req.url?.startsWith("/v1/") ?? false
      if (api) {
        calls++
        const p = (req.url ?? "").split("?")[0]?.replace(/\/[a-z]{2,8}_(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{8,}/g, "/:id") ?? ""
        paths[p] = (paths[p] ?? 0) + 1
      }
      void delay().then(() => {
        if (api && !takeToken()) {
          limited++
          // Stripe's documented rate-limit error: HTTP 429, code rate_limit.
          return reply(res, 429, {
            error: {
              type: "invalid_request_error",
              code: "rate_limit",
              message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            },
          })
        }
        const fault = api ? faults.find((f) => f.count > 0 && (!f.path || req.url?.startsWith(f.path))) : undefined
        if (fault) {
          fault.count--
          return reply(
            res,
            fault.status,
            {
              error: {
                type: fault.status >= 500 ? "api_error" : "invalid_request_error",
                message: `Injected ${fault.status} from the Stripe proxy.`,
              },
            },
            { "stripe-should-retry": "false", ...fault.headers },
          )
        }
        const forward = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers)
            up.pipe(res)
          },
        )
        forward.on("error", () => reply(res, 502, { error: { type: "api_error", message: "emulator unreachable" } }))
        forward.end(body)
      })
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ calls, limited, paths: { ...paths } }),
    configure: (o) => {
      Object.assign(opts, o)
      tokens = opts.rateLimit ?? 0
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
