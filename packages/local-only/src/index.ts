// The emulators are dev tools on 127.0.0.1: their admin endpoints (reset, clock, chaos) must not be
// reachable from a web page the developer happens to visit. A browser names the page's origin
// (`Origin`, `Sec-Fetch-Site`); DNS rebinding shows up as a foreign `Host`.
import type http from "node:http"

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"])

/** Why a request is not from this machine's own tools, or null when it is. */
export function foreignRequest(req: http.IncomingMessage, ownPort: number): string | null {
  const host = req.headers.host ?? ""
  if (!LOOPBACK.has(host.replace(/:\d+$/, "")))
    return `refused: admin endpoints answer only requests addressed to 127.0.0.1 or localhost, not ${host || "no host"}`
  const site = req.headers["sec-fetch-site"]
  if (site === "cross-site" || site === "same-site") return "refused: admin endpoints do not answer cross-origin requests"
  const origin = req.headers.origin
  if (origin !== undefined && !isOwnOrigin(origin, ownPort))
    return `refused: admin endpoints do not answer cross-origin requests (origin ${origin})`
  return null
}

/** An http origin on a loopback host; with `port`, only that port (the emulator itself). */
export function isOwnOrigin(origin: string, port?: number): boolean {
  try {
    const url = new URL(origin)
    return url.protocol === "http:" && LOOPBACK.has(url.hostname) && (port === undefined || url.port === String(port))
  } catch {
    return false // "null" and malformed origins
  }
}
