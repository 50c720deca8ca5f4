// Ordering, not wall-clock budgets: a paced start comes after a timer shorter than the pause, an
// unpaced one before it; the only duration asserted is a lower bound (a sleep is never shorter).
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { describe, expect, it } from "vitest"
import { loopUtilisation, paceDrain } from "@/lib/billing/sync/pace"

const block = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end);
}
const first = (a: Promise<unknown>, b: Promise<unknown>) => Promise.race([a.then(() => "pace"), b.then(() => "timer")])

describe("the drain's pacing in a busy process", () => {
  it("starts a customer at once while the event loop is idle", async () => {
    await sleep(120)
    loopUtilisation()
    await sleep(60) // an idle window
    expect(await first(paceDrain(200), sleep(100))).toBe("pace")
  })

  it("starts customers one per pause, across workers, while the loop is busy", async () => {
    await sleep(60)
    loopUtilisation() // a window starts here
    block(80) // pages rendering
    const t = performance.now()
    expect(await first(paceDrain(40), sleep(10))).toBe("timer")
    await Promise.all([paceDrain(40), paceDrain(40)])
    expect(performance.now() - t).toBeGreaterThanOrEqual(115) // three starts, one per 40 ms
  })

  it("never waits when pacing is off", async () => {
    block(80)
    expect(await first(paceDrain(0), sleep(0))).toBe("pace")
  })
})
