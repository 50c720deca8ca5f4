// How many requests a person is waiting for (pages, server actions, the app's own API) this process is
// serving right now: every HTTP request but Stripe's webhook deliveries and the cron. The webhook route
// and the drain give way while it is above zero (pace.ts), so a burst of deliveries does not slow pages.
// Counted from Node's own http diagnostics channel, so nothing in the request path has to report it; a
// request counts until its response closes (finished or cut off), so an aborted page never stays counted.
// No "server-only": instrumentation.ts starts it before the first request. Only a Next server starts it:
// elsewhere (the cron script, tests with the Stripe emulator's HTTP server in the same process) the
// count stays 0 and nothing is held.
import { subscribe } from "node:diagnostics_channel"
import type { IncomingMessage, ServerResponse } from "node:http"

/** Paths that are machines, not people: the webhook deliveries and the scheduler. */
const BACKGROUND = /^\/api\/(?:webhooks|cron)\//

type State = { pages: number }
// One count per process: the routes and instrumentation.ts are separate bundles.
const g = globalThis as unknown as { subkitPagesInFlight?: State }

/** Starts counting (idempotent); instrumentation.ts calls it at startup. */
export function countPagesInFlight(): void {
  if (g.subkitPagesInFlight) return
  const s: State = { pages: 0 }
  g.subkitPagesInFlight = s
  subscribe("http.server.request.start", (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
    if (BACKGROUND.test(request.url ?? "/")) return
    s.pages++
    response.once("close", () => s.pages--)
  })
}

/** Requests people are waiting for, being served by this process now (0 unless counting was started). */
export function pagesInFlight(): number {
  return g.subkitPagesInFlight?.pages ?? 0
}
