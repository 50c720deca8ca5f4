// POST /api/usage/<meter>: the body parsed with zod, the signed-in user from the session, the answer as
// JSON (200 used/remaining, 402 at a hard limit, 400 bad input, 401 signed out).
import "server-only"
import { z } from "zod"
import { isMeterKey } from "../catalog"
import { recordUsage } from "./ledger"

export const MAX_VALUE = 10_000
export const MAX_KEY_LENGTH = 200

export const UsageBody = z.strictObject({
  value: z
    .number({ error: "value must be a number" })
    .int({ error: "value must be a whole number" })
    .min(1, { error: "value must be at least 1" })
    .max(MAX_VALUE, { error: `value must be at most ${MAX_VALUE}` }),
  idempotency_key: z
    .string({ error: "idempotency_key is required (a string)" })
    .min(1, { error: "idempotency_key must not be empty" })
    .max(MAX_KEY_LENGTH, { error: `idempotency_key must be at most ${MAX_KEY_LENGTH} characters` }),
})

/** `no-transform`: Next's gzip (`compress`) otherwise wraps every answer, however small (it drops a route's
 *  content-length, so its 1 KiB threshold never applies); a gzip stream per 50-byte answer was 4 % of this
 *  route's CPU (docs/benchmarks.md, bench:usage). */
const json = (status: number, body: unknown) => Response.json(body, { status, headers: { "cache-control": "no-store, no-transform" } })
const bad = (message: string) => json(400, { error: { code: "invalid_request", message } })

export async function handleUsageRequest(request: Request, meter: string, userId: string | null): Promise<Response> {
  if (!userId) return json(401, { error: { code: "unauthenticated", message: "Sign in to record usage." } })
  if (!isMeterKey(meter)) return bad(`Unknown meter: ${meter.slice(0, 50)}`)
  let raw: unknown
  try {
    const text = await request.text()
    if (text.length > 4096) return bad("The body is too large.")
    raw = JSON.parse(text)
  } catch {
    return bad('The body must be JSON: { "value": 1, "idempotency_key": "…" }.')
  }
  const parsed = UsageBody.safeParse(raw)
  if (!parsed.success) return bad(parsed.error.issues.map((i) => i.message).join("; "))
  const result = await recordUsage({ userId, meter, value: parsed.data.value, idempotencyKey: parsed.data.idempotency_key })
  if (!result.ok)
    return json(402, { error: { code: result.code, message: result.message }, used: result.used, remaining: result.remaining })
  return json(200, { used: result.used, remaining: result.remaining })
}
