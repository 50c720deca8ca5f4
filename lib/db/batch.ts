// Group commit for a hot statement: calls that arrive while `maxInFlight` batches are already at Postgres
// wait, and go together as the next batch (one round trip, one statement), at most `maxBatch` a batch.
// With nothing in flight a call goes at once (after the I/O callbacks of the same event-loop turn), so a
// quiet server adds no latency; a busy one sends one write per batch instead of one per call (each write
// to Postgres's socket cost the app 0.24 ms of CPU in bench:usage's profile, docs/benchmarks.md).
import "server-only"
import DataLoader from "dataloader"

export type BatchOptions<I, O> = {
  maxInFlight: number
  maxBatch: number
  /**
   * The statement for one call. Given, a batch of one runs it, and a batch whose statement fails (all or
   * nothing) is run again one call at a time, so one bad input fails only its own call.
   */
  alone?: (input: I) => Promise<O>
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)))

/**
 * `run` gets the batch's inputs in arrival order and returns one result per input, an `Error` for an
 * input that failed alone (its caller's promise rejects with it; the others resolve).
 */
export function batched<I, O>(run: (inputs: readonly I[]) => Promise<readonly (O | Error)[]>, opts: BatchOptions<I, O>) {
  const { alone } = opts
  const runBatch = (inputs: readonly I[]): Promise<readonly (O | Error)[]> => {
    if (!alone) return run(inputs)
    const each = () => Promise.all(inputs.map((input) => alone(input).catch(asError)))
    return inputs.length === 1 ? each() : run(inputs).catch(each)
  }
  // Batches scheduled or at Postgres; a dispatch waits here while there are maxInFlight of them.
  let active = 0
  const waiting: (() => void)[] = []
  const loader = new DataLoader<I, O, I>(
    async (inputs) => {
      try {
        return await runBatch(inputs)
      } finally {
        const next = waiting.shift()
        if (next) setImmediate(next)
        else active--
      }
    },
    {
      cache: false,
      maxBatchSize: opts.maxBatch,
      batchScheduleFn: (dispatch) => {
        if (active < opts.maxInFlight) {
          active++
          setImmediate(dispatch)
        } else waiting.push(dispatch)
      },
    },
  )
  return (input: I): Promise<O> => loader.load(input)
}
