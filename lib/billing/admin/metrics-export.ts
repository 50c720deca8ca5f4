// GET /admin/metrics/export: the metrics as CSV, for admins only (a 404 to anyone else), audited.
import "server-only"
import { getCurrentUser } from "@/lib/auth/current-user"
import { audit } from "./audit"
import { computeMetrics, metricsCsv } from "./metrics"

export async function exportMetrics(now = new Date()): Promise<Response> {
  const user = await getCurrentUser()
  if (!user?.isAdmin) return new Response("Not found", { status: 404, headers: { "cache-control": "no-store" } })
  const metrics = await computeMetrics(now)
  await audit(user, "metrics.export", "metrics.csv", { asOf: now.toISOString(), windowDays: metrics.windowDays })
  return new Response(metricsCsv(metrics), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="subkit-metrics-${now.toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    },
  })
}
