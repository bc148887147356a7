// Firefox for the dashboard's cross-browser test: Debian's firefox-esr driven over WebDriver BiDi by
// puppeteer-core (playwright-core's Firefox needs a patched build that cannot be installed here).
// Locally a missing Firefox skips with the reason; in CI (CI=true) the launch fails, and the test.
import { existsSync } from 'node:fs'
import puppeteer, { type Browser } from 'puppeteer-core'

/** Where Debian's `firefox-esr` package puts the browser. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr'

/** For `describe(name, { skip: firefoxSkip() }, ...)`, like chromiumSkip. */
export function firefoxSkip(): string | false {
  if (existsSync(FIREFOX_PATH)) return false
  const ci = process.env.CI
  if (ci && ci !== 'false' && ci !== '0') return false
  return `skipped: ${FIREFOX_PATH} is missing (apt-get install firefox-esr); CI installs it and fails without it`
}

/** Launches headless Firefox with a fresh temporary profile (puppeteer removes it on close). */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: 60_000,
    // No update checks, telemetry or first-run pages: the only traffic is the test's own.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  })
}
