// Form label primitive.
import type { ComponentProps } from "react"
import { cx } from "@/lib/utils"

export function Label({ className, ...props }: ComponentProps<"label">) {
  return <label className={cx("text-sm font-medium leading-none", className)} {...props} />
}
