// What every part of the emulator shares: the store, the event emitter and the settings.
import type { Store } from "./store"

export const DAY = 86_400

export type Settings = {
  /** Days between failed renewal payment attempts (Stripe's default smart-retry window is ~2 weeks). */
  retryScheduleDays: number[]
  /** What happens after the last failed retry: Stripe's default is to cancel. */
  afterFinalFailure: "cancel" | "unpaid"
}

export const DEFAULT_SETTINGS: Settings = { retryScheduleDays: [3, 5, 7], afterFinalFailure: "cancel" }

export interface Ctx {
  store: Store
  settings: Settings
  /** Public base URL of the emulator (hosted pages, invoice PDFs). */
  baseUrl: string
  emit(type: string, object: object, previous?: Record<string, unknown>): void
}
