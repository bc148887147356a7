// Real-browser tests (the tag, the dashboard) run Debian's Chromium through playwright-core: never a
// downloaded browser, a fresh temporary profile per launch. Locally a missing Chromium skips the
// test with the reason; in CI (CI=true) it must fail, so the suite cannot pass without the browser.
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/**
 * Flags for a quiet, deterministic headless run: no GPU, sandbox (root in CI), background
 * downloads, component updates, sync, first-run UI or QUIC, so the only traffic is the test's own.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/**
 * For `describe(name, { skip: chromiumSkip() }, ...)`: a reason to skip when Chromium is missing and
 * this is not CI; `false` otherwise, so that in CI the launch fails and with it the test.
 */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM_PATH)) return false
  const ci = process.env.CI
  if (ci && ci !== 'false' && ci !== '0') return false
  return `skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium); CI installs it and fails without it`
}

/**
 * Launches Chromium. playwright-core gives each launch a fresh profile in a temporary directory and
 * removes it on close; use one browser context per scenario for separate cookie jars.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
  })
}
