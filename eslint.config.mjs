// ESLint (flat config): Next's core-web-vitals and TypeScript rules, type-checked.
import nextVitals from "eslint-config-next/core-web-vitals"
import nextTs from "eslint-config-next/typescript"
import tseslint from "typescript-eslint"

// One copy of the app's boundary: the emulators are workspace packages the app never imports.
const appBoundary = {
  group: ["**/packages/**", "@/packages/**", "@subkit/*", "**/tests/**", "@/tests/**"],
  message: "App code never imports the emulator packages or the tests.",
}
// A package is used through its package.json `exports` only (`@subkit/stripe-emulator`, `…/webhooks`),
// never by a path into its folder.
const packageInternals = {
  group: ["**/packages/*/src/**", "**/packages/*/src", "@/packages/**", "@subkit/*/src/**"],
  message: "Import a workspace package by its name and an `exports` entry (e.g. @subkit/stripe-emulator), not its files.",
}

// lib/stripe is used through its entry module (lib/stripe/index.ts), never by its files.
const stripeInternals = {
  group: ["@/lib/stripe/*", "@/lib/stripe/**", "**/lib/stripe/*", "**/lib/stripe/**", "../stripe/*", "../../stripe/*"],
  message: 'Import the Stripe adapter from "@/lib/stripe" (its entry module), not its files.',
}

const config = [
  { ignores: [".next/**", "node_modules/**", ".data/**", "next-env.d.ts", "packages/stripe-emulator/src/fixtures.json"] },
  ...nextVitals,
  ...nextTs,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  // Boundaries: app → lib → {db, stripe, supabase}. Only lib/stripe speaks Stripe; the product never
  // reaches into the emulator packages or the tests.
  {
    files: ["scripts/**", "tests/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [packageInternals] }] },
  },
  // The packages import nothing of the app, and reach no package's files by path: a package's own tests
  // (packages/*/test) import it by its name and `exports`, as any project would. Their hosted pages are
  // JSX rendered by preact on a plain Node server, not Next pages: Next's document rules do not apply.
  // Both emulators depend on @subkit/local-only (their one copy of the loopback-only rule), and it on nothing.
  ...[
    ["stripe-emulator", "@subkit/stripe-emulator"],
    ["supabase-auth-emulator", "@subkit/supabase-auth-emulator"],
    ["local-only", "@subkit/local-only"],
  ].map(([dir, name]) => ({
    files: [`packages/${dir}/**`],
    rules: {
      "@next/next/no-head-element": "off",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/**", "**/lib/**", "**/app/**", "**/components/**", "**/scripts/**", "**/tests/**"],
              message: "A package imports nothing of the app.",
            },
            {
              group: [...new Set(["@subkit/*", `!${name}`, "!@subkit/local-only"])],
              message: "A package does not import another emulator package.",
            },
            {
              group: ["**/src", "**/src/**", "@subkit/*/src/**", "**/packages/**"],
              message: "Import a package by its name and an `exports` entry, not its files (its tests too).",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ["app/**", "components/**", "lib/**", "proxy.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [appBoundary],
        },
      ],
    },
  },
  {
    files: ["app/**", "components/**", "lib/billing/**", "lib/actions/**", "lib/auth/**", "lib/supabase/**", "lib/db/**", "proxy.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "stripe",
              message: "Only lib/stripe (the adapter) imports the Stripe SDK; use its functions and the types in lib/billing/types.ts.",
            },
          ],
          patterns: [appBoundary, stripeInternals],
        },
      ],
    },
  },
  {
    files: ["app/**", "components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["stripe", "pg", "drizzle-orm"].map((name) => ({
            name,
            message: "Routes and components go through lib/, not vendor SDKs or the database driver.",
          })),
          patterns: [
            appBoundary,
            {
              group: ["@/lib/db/client", "@/lib/stripe", "@/lib/stripe/*"],
              message: "Routes and components call lib/billing (and lib/auth), not the database client or the Stripe adapter.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**", "app/**", "components/**", "scripts/**", "proxy.ts", "tests/**", "packages/**"],
    rules: { "@typescript-eslint/no-non-null-assertion": "error" },
  },
]

export default config
