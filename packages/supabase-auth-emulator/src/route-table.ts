// A route table's handler type and its matcher, shared by the GoTrue, admin and email routes and the server
// (its own module so that no route module imports another).
import type http from "node:http"

export type Handler = (
  req: http.IncomingMessage,
  url: URL,
  body: Record<string, unknown>,
  params: Record<string, string>,
) => Promise<[number, unknown] | [number, unknown, Record<string, string>]>

/** The handler for `METHOD /path`: an exact route, else one with `:param` segments. */
export function matchRoute(
  routes: Record<string, Handler>,
  method: string,
  path: string,
): { handler: Handler; params: Record<string, string> } | null {
  const exact = routes[`${method} ${path}`]
  if (exact) return { handler: exact, params: {} }
  const parts = path.split("/")
  for (const [key, handler] of Object.entries(routes)) {
    const [m, pattern = ""] = key.split(" ")
    const want = pattern.split("/")
    if (m !== method || !pattern.includes("/:") || want.length !== parts.length) continue
    const params: Record<string, string> = {}
    if (
      want.every((seg, i) => (seg.startsWith(":") ? ((params[seg.slice(1)] = decodeURIComponent(parts[i] ?? "")), true) : seg === parts[i]))
    )
      return { handler, params }
  }
  return null
}
