// Card primitives (shadcn/ui style).
import type { ComponentProps } from "react"
import { cx } from "@/lib/utils"

export const Card = ({ className, ...p }: ComponentProps<"section">) => (
  <section className={cx("rounded-lg border bg-card text-card-foreground shadow-sm", className)} {...p} />
)
export const CardHeader = ({ className, ...p }: ComponentProps<"div">) => (
  <div className={cx("flex flex-col gap-1.5 p-6", className)} {...p} />
)
export const CardTitle = ({ as: Tag = "h2", className, ...p }: ComponentProps<"h2"> & { as?: "h1" | "h2" | "h3" }) => (
  <Tag className={cx("text-lg font-semibold leading-none tracking-tight", className)} {...p} />
)
export const CardDescription = ({ className, ...p }: ComponentProps<"p">) => (
  <p className={cx("text-sm text-muted-foreground", className)} {...p} />
)
export const CardContent = ({ className, ...p }: ComponentProps<"div">) => <div className={cx("p-6 pt-0", className)} {...p} />
export const CardFooter = ({ className, ...p }: ComponentProps<"div">) => (
  <div className={cx("flex items-center p-6 pt-0", className)} {...p} />
)
