// Structured server logs: one JSON line per entry, filtered by LOG_LEVEL.
import "server-only"
import { env } from "@/lib/env"

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const
type Level = Exclude<keyof typeof LEVELS, "silent">

function write(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  if (LEVELS[level] < LEVELS[env.logLevel]) return
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields }, (_k, v: unknown) =>
    v instanceof Error
      ? { name: v.name, message: v.message, ...(v.cause instanceof Error ? { cause: v.cause.message } : {}), ...(level === "error" ? { stack: v.stack } : {}) }
      : v,
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
