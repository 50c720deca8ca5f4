// Inline notice: info, success, warning or destructive.
import type { ComponentProps } from "react"
import { cx } from "@/lib/utils"

export const ALERT_BASE = "relative flex w-full gap-3 rounded-lg border p-4 text-sm [&>svg]:mt-0.5 [&>svg]:size-4 [&>svg]:shrink-0"
export const ALERT_VARIANTS = {
  default: "bg-background text-foreground",
  success: "border-emerald-200 bg-emerald-50 text-emerald-900",
  warning: "border-amber-200 bg-amber-50 text-amber-900",
  destructive: "border-red-200 bg-red-50 text-red-900",
} as const

export function Alert({ className, variant, ...props }: ComponentProps<"div"> & { variant?: keyof typeof ALERT_VARIANTS | null }) {
  return (
    <div
      role={variant === "destructive" || variant === "warning" ? "alert" : "status"}
      className={cx(ALERT_BASE, ALERT_VARIANTS[variant ?? "default"], className)}
      {...props}
    />
  )
}
export const AlertTitle = ({ className, ...p }: ComponentProps<"p">) => <p className={cx("font-semibold", className)} {...p} />
export const AlertDescription = ({ className, ...p }: ComponentProps<"div">) => (
  <div className={cx("text-sm opacity-90", className)} {...p} />
)
