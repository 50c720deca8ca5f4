// The scripts read .env.local, then .env (Next's order for the files that matter locally); missing files are fine.
export function loadEnvFiles() {
  for (const file of [".env.local", ".env"]) {
    try {
      process.loadEnvFile(file)
    } catch {
      // absent: the defaults (or the shell's environment) apply
    }
  }
}
