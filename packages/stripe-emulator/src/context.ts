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

/** The account the emulator plays: its public business name (invoices, hosted pages) and brand colour. */
export type Branding = {
  /** Stripe's `account_name` on invoices and the name the hosted pages show. */
  accountName: string
  /** The hosted pages' accent colour (buttons, links, the logo square), a CSS hex colour. */
  primaryColor: string
}

export const DEFAULT_BRANDING: Branding = { accountName: "Test account", primaryColor: "#635bff" }

/** Branding with defaults filled in; a colour that is not #rgb / #rrggbb is refused (it goes into CSS). */
export function brandingOf(b: Partial<Branding> = {}): Branding {
  const out = { ...DEFAULT_BRANDING, ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) }
  if (!/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(out.primaryColor))
    throw new Error(`branding.primaryColor must be a hex colour such as #635bff, not ${JSON.stringify(out.primaryColor)}`)
  if (!out.accountName.trim()) throw new Error("branding.accountName must not be empty")
  return out
}

export interface Ctx {
  store: Store
  settings: Settings
  branding: Branding
  /** Public base URL of the emulator (hosted pages, invoice PDFs). */
  baseUrl: string
  emit(type: string, object: object, previous?: Record<string, unknown>): void
}
