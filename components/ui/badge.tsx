// Badge primitive with status tones.
import type { ComponentProps } from "react"
import { cx } from "@/lib/utils"

export const BADGE_BASE = "inline-flex items-center rounded-full border px-2.5 py-0.5 text-xs font-semibold"
export const BADGE_VARIANTS = {
  default: "border-transparent bg-primary text-primary-foreground",
  outline: "text-foreground",
  success: "border-transparent bg-emerald-100 text-emerald-800",
  warning: "border-transparent bg-amber-100 text-amber-900",
  danger: "border-transparent bg-red-100 text-red-800",
  neutral: "border-transparent bg-muted text-muted-foreground",
} as const

export function Badge({ className, variant, ...props }: ComponentProps<"span"> & { variant?: keyof typeof BADGE_VARIANTS | null }) {
  return <span className={cx(BADGE_BASE, BADGE_VARIANTS[variant ?? "default"], className)} {...props} />
}
