// Billing periods: Stripe's calendar arithmetic, shared by subscriptions, discounts, invoices and the clock
// (its own module so that discounts need not import the subscription engine).
import type Stripe from "stripe"
import { DAY } from "./context"

/** Adds whole months/years the way Stripe does: the anchor's day, clamped to the month's end. */
export function addInterval(ts: number, interval: Stripe.Price.Recurring.Interval, count = 1): number {
  const d = new Date(ts * 1000)
  if (interval === "day") return ts + DAY * count
  if (interval === "week") return ts + 7 * DAY * count
  const months = interval === "month" ? count : 12 * count
  const day = d.getUTCDate()
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return Math.floor(target.getTime() / 1000)
}
