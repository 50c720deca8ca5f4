#!/usr/bin/env node
// The CLI: runs src/main.ts through tsx (the package ships its TypeScript source).
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
