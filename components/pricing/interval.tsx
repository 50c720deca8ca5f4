// What one billing interval shows on the pricing page. Both intervals' prices, totals and Subscribe
// buttons are rendered; the Monthly/Yearly radios (IntervalSwitch) pick which is displayed, in CSS
// (app/globals.css, `.pricing-intervals:has(…:checked)`), so the switch needs no JavaScript and the plan
// cards stay Server Components. The hidden interval is display: none, out of the accessibility tree.
import type { ReactNode } from "react"
import type { Interval } from "@/lib/billing/catalog"

/** Shown only while `interval` is chosen; a `display: contents` wrapper, so its children lay out as if it were absent. */
export function IntervalOnly({ interval, as: Tag = "span", children }: { interval: Interval; as?: "span" | "div"; children: ReactNode }) {
  return <Tag data-interval={interval}>{children}</Tag>
}

/** The switch: two native radios in a fieldset (arrow keys, the legend read out), styled by :checked. */
export function IntervalSwitch({ initial }: { initial: Interval }) {
  return (
    <fieldset className="mx-auto flex w-fit rounded-lg border bg-background p-1">
      <legend className="sr-only">Billing interval</legend>
      {(["month", "year"] as const).map((i) => (
        <label
          key={i}
          className="cursor-pointer rounded-md px-4 py-1.5 text-sm font-medium text-muted-foreground has-[:checked]:bg-primary has-[:checked]:text-primary-foreground has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
        >
          <input type="radio" name="interval-switch" value={i} defaultChecked={initial === i} className="sr-only" />
          {i === "month" ? "Monthly" : "Yearly (2 months free)"}
        </label>
      ))}
    </fieldset>
  )
}
