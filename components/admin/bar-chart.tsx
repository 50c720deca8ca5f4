// A horizontal bar chart drawn on the server as SVG (no client JavaScript): role="img" with a title and
// description, and the same numbers in a table beside it for screen readers and copying.
export type Bar = { label: string; value: number }

export function BarChart({ title, bars, unit = "", id }: { title: string; bars: Bar[]; unit?: string; id: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value))
  const rowHeight = 28
  const labelWidth = 180
  const width = 560
  const height = Math.max(1, bars.length) * rowHeight + 8
  const summary = bars.map((b) => `${b.label}: ${b.value}${unit}`).join("; ") || "no data"
  return (
    <figure className="space-y-2" data-testid={`chart-${id}`}>
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${width} ${height}`} className="w-full max-w-xl">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        {bars.map((b, i) => {
          const w = Math.round(((width - labelWidth - 70) * b.value) / max)
          const y = i * rowHeight + 4
          return (
            <g key={b.label}>
              <text x={0} y={y + 17} fontSize="13" fill="currentColor">
                {b.label}
              </text>
              <rect x={labelWidth} y={y} width={Math.max(w, 1)} height={rowHeight - 8} fill="#2563eb" />
              <text x={labelWidth + w + 6} y={y + 17} fontSize="13" fill="currentColor">
                {b.value}
                {unit}
              </text>
            </g>
          )
        })}
      </svg>
      <figcaption>
        <table className="text-left text-sm">
          <caption className="sr-only">{title}</caption>
          <tbody>
            {bars.map((b) => (
              <tr key={b.label}>
                <th scope="row" className="pr-4 font-normal">
                  {b.label}
                </th>
                <td>
                  {b.value}
                  {unit}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  )
}
