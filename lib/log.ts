// Structured server logs: one JSON line per entry, filtered by LOG_LEVEL.
import "server-only"
import { env } from "@/lib/env"

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const
type Level = Exclude<keyof typeof LEVELS, "silent">

// Drizzle's query errors carry the statement's parameters (webhook payloads, emails): never logged.
const PARAMS = /\nparams: [\s\S]*?(?=\n {4}at |$)/
const redact = (text: string) => text.replace(PARAMS, "\nparams: [redacted]")

export function serializeError(err: Error, withStack: boolean) {
  return {
    name: err.name,
    message: redact(err.message),
    ...(err.cause instanceof Error ? { cause: redact(err.cause.message) } : {}),
    // The frames only: the message is already above, once.
    ...(withStack && err.stack
      ? {
          stack: err.stack
            .split("\n")
            .filter((line) => line.startsWith("    at "))
            .join("\n"),
        }
      : {}),
  }
}

function write(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  if (LEVELS[level] < LEVELS[env.logLevel]) return
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields }, (_k, v: unknown) =>
    v instanceof Error ? serializeError(v, level === "error") : v,
  )
  if (level === "error" || level === "warn") console.error(line)
  else console.log(line)
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
}
