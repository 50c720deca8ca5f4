// For test files that start their own Stripe emulator: the same contract check as the shared one
// (integration-global.ts), its report left for the suite's total, and drift failing the file.
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import { expect } from "vitest"
import { ContractRecorder } from "@subkit/stripe-emulator/contract/recorder"
import { startStripeEmulator, type StripeEmulatorOptions } from "@subkit/stripe-emulator"

const PARTS = path.resolve(import.meta.dirname, "../../.data/stripe-contract")

export async function startCheckedEmulator(name: string, opts: StripeEmulatorOptions = {}) {
  const contract = new ContractRecorder()
  const em = await startStripeEmulator({ port: 0, log: () => {}, ...opts, contract })
  const stopEmulator = em.stop
  return Object.assign(em, {
    contract,
    stop: async () => {
      await stopEmulator()
      const report = contract.report()
      mkdirSync(PARTS, { recursive: true })
      writeFileSync(path.join(PARTS, `${name}.json`), JSON.stringify(report))
      expect(report.drift).toEqual([])
    },
  })
}
