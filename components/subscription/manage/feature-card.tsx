import type { ReactNode } from "react"

export function FeatureCard({
  icon,
  title,
  description,
  action,
}: {
  icon: ReactNode
  title: string
  description: string
  action?: ReactNode
}) {
  return (
    <div className="flex items-start gap-3 rounded-lg border p-4">
      <div className="text-primary" aria-hidden="true">
        {icon}
      </div>
      <div className="space-y-2">
        <h4 className="font-medium">{title}</h4>
        <p className="text-sm text-muted-foreground">{description}</p>
        {action}
      </div>
    </div>
  )
}
