// What every part of the emulator shares: the store, the event emitter and the settings.
import type { Store } from "./store"

export const DAY = 86_400

export type Settings = {
  /** Days between failed renewal payment attempts (Stripe's default smart-retry window is ~2 weeks). */
  retryScheduleDays: number[]
  /**
   * What happens to the subscription after the last failed retry, as the Dashboard's Revenue recovery
   * setting offers: cancel it (the default here), mark it unpaid, or leave it past_due (the invoice
   * stays open, no more attempts).
   */
  afterFinalFailure: "cancel" | "unpaid" | "past_due"
}

export const DEFAULT_SETTINGS: Settings = { retryScheduleDays: [3, 5, 7], afterFinalFailure: "cancel" }

export interface Ctx {
  store: Store
  settings: Settings
  /** Public base URL of the emulator (hosted pages, invoice PDFs). */
  baseUrl: string
  emit(type: string, object: object, previous?: Record<string, unknown>): void
}
