// `npm run dev` serves an app whose emulators accept any test card and whose admin endpoints move
// time: it must listen on this machine only, not on every interface (Next's default).
import { describe, expect, it } from "vitest"
import { appService } from "../../scripts/lib/dev-services"

describe("npm run dev", () => {
  it("starts next dev on 127.0.0.1", () => {
    const { args } = appService({ appUrl: "http://localhost:3000", env: {} })
    expect(args.slice(1)).toEqual(["dev", "--hostname", "127.0.0.1", "--port", "3000"])
  })
})
