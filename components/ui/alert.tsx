// Inline notice: info, success, warning or destructive.
import { cva, type VariantProps } from "class-variance-authority"
import type { ComponentProps } from "react"
import { cn } from "@/lib/utils"

const alertVariants = cva("relative flex w-full gap-3 rounded-lg border p-4 text-sm [&>svg]:mt-0.5 [&>svg]:size-4 [&>svg]:shrink-0", {
  variants: {
    variant: {
      default: "bg-background text-foreground",
      success: "border-emerald-200 bg-emerald-50 text-emerald-900",
      warning: "border-amber-200 bg-amber-50 text-amber-900",
      destructive: "border-red-200 bg-red-50 text-red-900",
    },
  },
  defaultVariants: { variant: "default" },
})

export function Alert({ className, variant, ...props }: ComponentProps<"div"> & VariantProps<typeof alertVariants>) {
  return (
    <div
      role={variant === "destructive" || variant === "warning" ? "alert" : "status"}
      className={cn(alertVariants({ variant }), className)}
      {...props}
    />
  )
}
export const AlertTitle = ({ className, ...p }: ComponentProps<"p">) => <p className={cn("font-semibold", className)} {...p} />
export const AlertDescription = ({ className, ...p }: ComponentProps<"div">) => (
  <div className={cn("text-sm opacity-90", className)} {...p} />
)
