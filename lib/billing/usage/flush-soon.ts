// Sends recorded usage to Stripe soon after a request, off its path: one flush per window per instance
// however many requests asked, and only of batches worth a call (outbox.ts USAGE_BATCH_ROWS rows or
// USAGE_BATCH_MAX_AGE_S old); the cron and billing:drain flush what an instance did not.
import "server-only"
import { log } from "@/lib/log"
import { flushUsageOutbox } from "./outbox"

export const USAGE_FLUSH_WINDOW_MS = 2_000
let scheduled: Promise<void> | null = null

export function flushUsageSoon(): Promise<void> {
  scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, USAGE_FLUSH_WINDOW_MS))
    .then(() => {
      scheduled = null
      return flushUsageOutbox({ ripeOnly: true })
    })
    .then(
      () => undefined,
      (err: unknown) => log.warn("usage flush failed; the cron retries", { error: err instanceof Error ? err.message : String(err) }),
    )
  return scheduled ?? Promise.resolve()
}
