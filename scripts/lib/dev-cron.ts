// In `npm run dev`, what Vercel Cron does in production: call /api/cron/billing every few seconds so
// events that after() did not apply (a reload of the dev server, a failed Stripe read) are drained.
export function startDevCron(appUrl: string, secret: string, everyMs = 5000, log = (l: string) => console.log(l)) {
  let warned = false
  const timer = setInterval(() => {
    fetch(`${appUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${secret}` } })
      .then(async (res) => {
        if (res.ok || warned) return
        warned = true
        log(`[cron] /api/cron/billing answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
      })
      .catch(() => {}) // next dev is still starting or restarting
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
