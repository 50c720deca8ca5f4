// The one table `npm run dev` prints once everything has started: service, URL, state, pid.
export function statusTable(rows: { service: string; url: string; state: string; pid?: number }[]): string {
  const table = [["SERVICE", "URL", "STATE", "PID"], ...rows.map((r) => [r.service, r.url, r.state, String(r.pid ?? "-")])]
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length))) ?? []
  return table
    .map(
      (row) =>
        "  " +
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd(),
    )
    .join("\n")
}
