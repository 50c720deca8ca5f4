// When a failed event is tried again: exponential backoff with full jitter, capped, then dead.
export const RETRY_BASE_SECONDS = 2
export const RETRY_CAP_SECONDS = 3600

/** Seconds until attempt `failures + 1`, given `failures` failed attempts so far (≥ 1). `random` ∈ [0, 1). */
export function retryDelaySeconds(failures: number, random: number = Math.random()): number {
  const ceiling = Math.min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, failures - 1))
  // Half fixed, half random: spreads a burst of failures without ever retrying at once.
  return ceiling / 2 + (ceiling / 2) * random
}
