// lib/db/batch.ts: calls made while batches are in flight go together, never more than maxInFlight
// batches at once or maxBatch calls a batch; a call that failed alone rejects alone.
import { describe, expect, it } from "vitest"
import { batched } from "@/lib/db/batch"

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("batched", () => {
  it("sends one call at once, queues the rest while maxInFlight batches are out, and answers each", async () => {
    const batches: number[][] = []
    let inFlight = 0
    let most = 0
    const double = batched<number, number>(
      async (xs) => {
        batches.push([...xs])
        most = Math.max(most, ++inFlight)
        await tick(20)
        inFlight--
        return xs.map((x) => (x === 13 ? new Error("unlucky") : x * 2))
      },
      { maxInFlight: 2, maxBatch: 5 },
    )
    const first = await double(1)
    expect(first).toBe(2)
    expect(batches).toEqual([[1]])
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => double(i)))
    expect(most).toBe(2)
    expect(batches.slice(1).every((b) => b.length <= 5)).toBe(true)
    expect(
      batches
        .slice(1)
        .flat()
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(batches.length - 1).toBeLessThan(20)
    results.forEach((r, i) => {
      if (i === 13) expect(r).toMatchObject({ status: "rejected", reason: { message: "unlucky" } })
      else expect(r).toEqual({ status: "fulfilled", value: i * 2 })
    })
  })

  it("keeps going after a batch throws", async () => {
    let calls = 0
    const f = batched<number, number>(
      async (xs) => {
        if (calls++ === 0) throw new Error("down")
        return xs.map((x) => x)
      },
      { maxInFlight: 1, maxBatch: 10 },
    )
    await expect(f(1)).rejects.toThrow("down")
    expect(await Promise.all([f(2), f(3)])).toEqual([2, 3])
  })
})
