import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"

const FEATURES = [
  "Update payment methods and billing information",
  "Switch between subscription plans",
  "View and download billing history",
  "Cancel your subscription (takes effect at period end)",
]

export function PortalFeatures() {
  return (
    <Card>
      <CardHeader>
        <CardTitle>What You Can Do in the Portal</CardTitle>
      </CardHeader>
      <CardContent>
        <ul className="space-y-2 text-sm">
          {FEATURES.map((item) => (
            <li key={item} className="flex items-center gap-2">
              <span aria-hidden="true" className="flex size-6 items-center justify-center rounded-full border text-xs">
                ✓
              </span>
              {item}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  )
}
