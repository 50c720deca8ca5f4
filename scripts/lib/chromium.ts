// Debian's Chromium, headless, as the browser tests and the Lighthouse benchmark launch it.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** No sandbox (containers), no GPU, and none of the background traffic a fresh profile starts. */
export const HEADLESS_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
]
