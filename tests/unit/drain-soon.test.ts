// The after() drain loop (lib/billing/sync/soon.ts): an ask is never left to a loop that has ended.
import { describe, expect, it } from "vitest"
import { soon } from "@/lib/billing/sync/soon"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("the coalesced drain loop", () => {
  it("asks during one round share the next round; an ask while a round's last step runs gets a round of its own", async () => {
    const rounds: number[] = []
    let ask: (ms: number) => Promise<void> = () => Promise.resolve()
    let later: Promise<void> | undefined
    ask = soon(
      async () => {
        rounds.push(Date.now())
        await sleep(30) // the drain
        if (rounds.length === 1) later = ask(0) // a delivery that lands while the round sends its emails
        await sleep(30) // the emails
      },
      {
        loopMs: 10_000,
        onError: (err) => {
          throw err
        },
      },
    )
    const first = ask(0)
    const joined = [ask(0), ask(5)]
    expect(joined.every((p) => p === first)).toBe(true)
    await first
    expect(later).toBe(first) // it joined the loop that was running…
    expect(rounds.length).toBe(2) // …and that loop went round again for it
  })

  it("an ask that lands during the wait, due after the wait ends, gets a round that starts once it is due", async () => {
    const starts: number[] = []
    const ask = soon(
      async () => {
        starts.push(Date.now())
      },
      { loopMs: 10_000, onError: () => {} },
    )
    const first = ask(100)
    await sleep(50)
    const dueAt = Date.now() + 100
    expect(ask(100)).toBe(first) // joins the loop, which is still waiting for the first ask
    await first
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(dueAt)
  })

  it("goes round again while a round says `again` (a customer another applier held), until it does not", async () => {
    let held = 3
    let rounds = 0
    const ask = soon(
      async () => {
        rounds++
        return { again: held-- > 0 }
      },
      { loopMs: 10_000, retryMs: 10, onError: () => {} },
    )
    await ask(0)
    expect(rounds).toBe(4)
  })

  it("a failed round is reported and the loop still serves the asks that came during it", async () => {
    const errors: unknown[] = []
    let rounds = 0
    let ask: (ms: number) => Promise<void> = () => Promise.resolve()
    ask = soon(
      async () => {
        rounds++
        if (rounds === 1) {
          void ask(0)
          throw new Error("database away")
        }
      },
      { loopMs: 10_000, onError: (err) => errors.push(err) },
    )
    await ask(0)
    expect(rounds).toBe(2)
    expect(errors.map((e) => (e as Error).message)).toEqual(["database away"])
  })

  it("stops at its budget and says so; the next ask starts a new loop", async () => {
    let spent = 0
    let rounds = 0
    const ask = soon(
      async () => {
        rounds++
        return { again: true }
      },
      { loopMs: 50, retryMs: 10, onError: () => {}, onBudgetSpent: () => spent++ },
    )
    const first = ask(0)
    await first
    expect(spent).toBe(1)
    expect(rounds).toBeGreaterThan(1)
    const second = ask(0)
    expect(second).not.toBe(first)
    await second
    expect(spent).toBe(2)
  })
})
