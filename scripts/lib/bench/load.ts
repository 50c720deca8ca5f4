// Load generators for the benchmark: signed webhook deliveries and page requests, with latencies.
export type Delivery = { id: string; payload: string; header: string }
export type FireResult = {
  rate: number
  p50: number
  p95: number
  p99: number
  acknowledged: string[]
  errors: number
  statuses: Record<number, number>
}

export const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0
export const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  )

/**
 * Posts every delivery at `concurrency`; a 2xx means Stripe would consider it delivered. Given several
 * urls, each delivery goes to all of them at once (instances fed the same delivery); it counts as
 * acknowledged when every one answered `expect`.
 */
export async function fire(url: string | string[], deliveries: Delivery[], concurrency: number, expect: number): Promise<FireResult> {
  const urls = Array.isArray(url) ? url : [url]
  const latencies: number[] = []
  const statuses: Record<number, number> = {}
  const acknowledged: string[] = []
  let next = 0
  let errors = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < deliveries.length; i = next++) {
        const d = deliveries[i]
        if (!d) break
        const t = performance.now()
        const answers = await Promise.all(
          urls.map(async (u) => {
            try {
              const res = await fetch(u, {
                method: "POST",
                headers: { "content-type": "application/json", "stripe-signature": d.header },
                body: d.payload,
              })
              await res.arrayBuffer()
              statuses[res.status] = (statuses[res.status] ?? 0) + 1
              return res.status
            } catch {
              return 0
            }
          }),
        )
        if (answers.every((s) => s === expect)) {
          if (expect < 300) acknowledged.push(d.id)
        } else errors++
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    rate: deliveries.length / seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    acknowledged,
    errors,
    statuses,
  }
}

/** `samples`: each request's start (CLOCK_MONOTONIC µs, see `monoUs`) and duration, in start order. */
export type PageResult = { requests: number; p50: number; p95: number; errors: number; samples: { at: number; ms: number }[] }

/** CLOCK_MONOTONIC in µs: the clock of V8's CPU profiles and of the app's probe (lib/db/probe.ts). */
export const monoUs = () => Number(process.hrtime.bigint() / 1000n)

/** p95 of the samples that started inside [from, to) (µs). */
export function p95Within(samples: PageResult["samples"], from: number, to: number) {
  const ms = samples.filter((s) => s.at >= from && s.at < to).map((s) => s.ms)
  ms.sort((a, b) => a - b)
  return { requests: ms.length, p95: quantile(ms, 0.95) }
}

/** Requests `url` (several: in turn) at `concurrency` until `until()` says stop (at least `min` requests). */
export async function pageLoad(
  url: string | string[],
  opts: { concurrency: number; headers?: Record<string, string>; until: () => boolean; min?: number },
): Promise<PageResult> {
  const urls = Array.isArray(url) ? url : [url]
  const latencies: number[] = []
  const samples: PageResult["samples"] = []
  let errors = 0
  let count = 0
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (!opts.until() || count < (opts.min ?? 0)) {
        count++
        const at = monoUs()
        const t = performance.now()
        try {
          const res = await fetch(urls[count % urls.length] as string, { headers: opts.headers ?? {}, redirect: "manual" })
          await res.arrayBuffer()
          if (res.status !== 200) errors++
        } catch {
          errors++
        }
        latencies.push(performance.now() - t)
        samples.push({ at, ms: performance.now() - t })
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  samples.sort((a, b) => a.at - b.at)
  return { requests: latencies.length, p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), errors, samples }
}
