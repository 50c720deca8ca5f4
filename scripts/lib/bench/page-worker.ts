// The page load generator on its own thread. The benchmark's main thread also runs the Stripe
// emulator, the Stripe proxy and the auth emulator (SMTP for billing emails): during a drain with
// Stripe at 0 ms they keep that event loop busy, and a page's response timed there waits behind
// them, so the stopwatch would measure the emulator as well as the app. Timed here, a page's
// latency is the app's (and the machine's), as a browser elsewhere would see it.
import { parentPort, Worker, workerData } from "node:worker_threads"
import { pageLoad, type PageResult } from "./load"

type Job = { url: string | string[]; concurrency: number; headers?: Record<string, string>; min?: number }

/**
 * Runs `pageLoad` on a worker thread until `stop()` is called (and at least `min` requests were made);
 * `ready` resolves when the thread is about to send its first request (starting one takes a while).
 */
export function pageLoadOnWorker(job: Job): { ready: Promise<void>; stop: () => void; result: Promise<PageResult> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: job })
  let onReady = () => {}
  const ready = new Promise<void>((r) => (onReady = r))
  const result = new Promise<PageResult>((resolve, reject) => {
    worker.on("message", (r: PageResult | "ready") => (r === "ready" ? onReady() : resolve(r)))
    worker.once("error", reject)
    worker.once("exit", (code) => code !== 0 && reject(new Error(`page worker exited with ${code}`)))
  })
  return { ready, stop: () => worker.postMessage("stop"), result: result.finally(() => worker.terminate()) }
}

if (parentPort && (workerData as Job | undefined)?.url) {
  const job = workerData as Job
  let stopped = false
  parentPort.on("message", (m) => m === "stop" && (stopped = true))
  parentPort.postMessage("ready")
  const r = await pageLoad(job.url, { concurrency: job.concurrency, headers: job.headers, min: job.min, until: () => stopped })
  parentPort.postMessage(r)
}
