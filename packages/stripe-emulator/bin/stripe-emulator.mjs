#!/usr/bin/env node
// The CLI: runs src/main.ts through tsx (the package ships its TypeScript source), with the package's own
// tsconfig.json (JSX through preact), wherever the package is installed.
import { fileURLToPath } from "node:url"
import { register } from "tsx/esm/api"

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
await import("../src/main.ts")
