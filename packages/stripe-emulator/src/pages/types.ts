// What a hosted page receives and answers; the router and every page share these (no page imports the router).
import type { Ctx } from "../context"
import type { Params } from "../params"

export type PageRequest = { ctx: Ctx; method: string; url: URL; form: Params; segments: string[] }
export type PageResult = { status?: number; html?: string; redirect?: string; body?: Buffer; type?: string }
