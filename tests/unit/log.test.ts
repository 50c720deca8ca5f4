// Server logs never carry the parameters of a failed query (webhook payloads, customer emails).
import { describe, expect, it } from "vitest"
import { serializeError } from "@/lib/log"

describe("serializeError", () => {
  it("keeps the statement and the cause, and drops the parameters", () => {
    const err = new Error(
      'Failed query: insert into subscription_events values ($1, $2)\nparams: evt_1,{\n  "email": "ada@example.com"\n}',
      {
        cause: new Error("connect ECONNREFUSED 127.0.0.1:5432"),
      },
    )
    err.stack = `Error: ${err.message}\n    at storeEvent (lib/billing/sync/inbox.ts:10:5)`
    const out = serializeError(err, true)
    expect(JSON.stringify(out)).not.toContain("ada@example.com")
    expect(out.message).toBe("Failed query: insert into subscription_events values ($1, $2)\nparams: [redacted]")
    expect(out.cause).toBe("connect ECONNREFUSED 127.0.0.1:5432")
    expect(out.stack).toBe("    at storeEvent (lib/billing/sync/inbox.ts:10:5)") // frames only: the message is not repeated
  })

  it("leaves other errors as they are, and the stack out when not asked", () => {
    expect(serializeError(new Error("boom"), false)).toEqual({ name: "Error", message: "boom" })
  })
})
