import path from "node:path"
import { defineConfig } from "vitest/config"

const alias = {
  "@": path.resolve(import.meta.dirname),
  // `server-only` throws outside React Server Components; tests import server modules directly.
  "server-only": path.resolve(import.meta.dirname, "tests/support/empty.ts"),
}

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      // Each emulator package's tests live beside it (packages/*/test): unit/ here, the rest with the integration suite.
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts", "packages/*/test/unit/**/*.test.ts"],
          environment: "node",
          // The static checks (import graph, architecture) parse every source file: 6.4 s once on a loaded machine.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts", "packages/*/test/**/*.test.ts"],
          exclude: ["packages/*/test/unit/**"],
          globalSetup: ["tests/support/integration-global.ts"],
          // The packages' tests leave their contract reports here for the suite's total (integration-global.ts).
          env: { STRIPE_CONTRACT_PARTS: path.resolve(import.meta.dirname, ".data/stripe-contract") },
          setupFiles: ["tests/support/integration-env.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      // Stripe-facing contract suite: the emulator by default, Stripe test mode with a key (tests/contract/target.ts).
      {
        resolve: { alias },
        test: {
          name: "contract",
          include: ["tests/contract/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/support/e2e-global.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
