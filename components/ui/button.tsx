// Button primitive (shadcn/ui style): variants, sizes, and asChild to style a link as a button.
// Plain class strings joined (lib/utils.ts cx), no class-variance-authority, tailwind-merge or Radix
// Slot: this file is in the client JavaScript of every page with an interactive button.
import { cloneElement, isValidElement, type ComponentProps, type ReactElement } from "react"
import { cx } from "@/lib/utils"

export const BUTTON_BASE =
  "inline-flex items-center justify-center gap-2 whitespace-nowrap rounded-md text-sm font-medium transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 disabled:pointer-events-none disabled:opacity-60 [&_svg]:size-4 [&_svg]:shrink-0"

export const BUTTON_VARIANTS = {
  default: "bg-primary text-primary-foreground hover:bg-primary/90",
  destructive: "bg-destructive text-white hover:bg-destructive/90",
  outline: "border border-input bg-background hover:bg-accent hover:text-accent-foreground",
  secondary: "bg-secondary text-secondary-foreground hover:bg-secondary/80",
  ghost: "hover:bg-accent hover:text-accent-foreground",
  link: "text-primary underline-offset-4 hover:underline",
} as const

export const BUTTON_SIZES = { default: "h-10 px-4 py-2", sm: "h-9 px-3", lg: "h-11 px-8", icon: "size-10" } as const

export type ButtonVariant = keyof typeof BUTTON_VARIANTS
export type ButtonSize = keyof typeof BUTTON_SIZES

export function buttonClasses({
  variant,
  size,
  className,
}: {
  variant?: ButtonVariant | null
  size?: ButtonSize | null
  className?: string
}) {
  return cx(BUTTON_BASE, BUTTON_VARIANTS[variant ?? "default"], BUTTON_SIZES[size ?? "default"], className)
}

export type ButtonProps = ComponentProps<"button"> & { variant?: ButtonVariant | null; size?: ButtonSize | null; asChild?: boolean }

/**
 * A <button>, or with asChild its one child element (a link) given the button's classes and props. Unlike
 * Radix's Slot, props are not composed: the child's own (an onClick, a style) replace the Button's, so an
 * asChild Button takes its handlers on the child.
 */
export function Button({ className, variant, size, asChild = false, children, ...props }: ButtonProps) {
  const classes = buttonClasses({ variant, size, className })
  if (!asChild) {
    return (
      <button className={classes} {...props}>
        {children}
      </button>
    )
  }
  if (!isValidElement(children)) throw new Error("Button asChild takes exactly one element child")
  const child = children as ReactElement<{ className?: string }>
  return cloneElement(child, { ...props, ...child.props, className: cx(classes, child.props.className) })
}
