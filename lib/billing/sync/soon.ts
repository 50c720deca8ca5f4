// "Soon": one coalesced loop per process for work that many callers ask for at once (the webhook
// drain after each delivery). Every ask within the loop's life joins it; the loop goes round again
// while asks arrived after its last round started, so an ask is never left to a loop that has ended.
export type SoonOptions = {
  /** A loop stops going round after this long (a serverless function's after() budget); the cron covers the rest. */
  loopMs: number
  /** When a round says `again` (work it could not take yet, e.g. a customer another applier holds), the next round waits this long. */
  retryMs?: number
  onError: (err: unknown) => void
  /** Called when the loop stops at `loopMs` with asks still waiting. */
  onBudgetSpent?: () => void
}
export type Round = () => Promise<{ again?: boolean } | void>

export function soon(round: Round, { loopMs, retryMs = 250, onError, onBudgetSpent }: SoonOptions) {
  let running: Promise<void> | undefined
  /** When the newest ask becomes due. */
  let dueAt = 0
  /** Asks so far: counted as well as timed, so an ask in the same millisecond as a round's start is not taken as served. */
  let asks = 0

  async function loop() {
    const started = Date.now()
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, Math.max(0, dueAt - Date.now())))
        const asksBefore = asks
        const roundStarted = Date.now()
        let again = false
        try {
          again = (await round())?.again === true
        } catch (err) {
          onError(err)
        }
        // From here to `running = undefined` there is no await: an ask that lands in between would join
        // a loop that has already decided to stop, and wait for the cron.
        if (again) {
          dueAt = Math.max(dueAt, Date.now() + retryMs)
          asks++
        }
        // Done when nothing asked during the round and every ask was due when it started (an ask that
        // came during the sleep, for later than the sleep's end, was not due at this round's claim).
        if (asks === asksBefore && dueAt <= roundStarted) return
        if (Date.now() - started > loopMs) {
          onBudgetSpent?.()
          return
        }
      }
    } finally {
      running = undefined
    }
  }

  /** Asks for a round `delayMs` from now (or joins the loop already running); resolves when the loop stops. */
  return function ask(delayMs: number): Promise<void> {
    dueAt = Math.max(dueAt, Date.now() + delayMs)
    asks++
    running ??= loop()
    return running
  }
}
