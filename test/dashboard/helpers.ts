// Shared parts of the dashboard's browser tests: reading the API the way the dashboard does, waiting
// for a panel to show its numbers, screenshots under a gitignored folder, and overflow checks.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { pollUntil, REPO_ROOT } from '../helpers/clickflow-process.ts'

/** Where the test run leaves its screenshots (gitignored: .tmp/). */
export const SCREENSHOT_DIR = join(REPO_ROOT, '.tmp', 'screenshots', 'dashboard')

/** A desktop and a phone viewport. */
export const DESKTOP = { width: 1280, height: 900 }
export const PHONE = { width: 390, height: 844 }

/** GETs (or POSTs) an admin API path and returns the parsed body; throws unless 2xx. */
export async function api<T>(adminUrl: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${adminUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text}`)
  return JSON.parse(text) as T
}

/** Saves a full-page screenshot named `name` (desktop and phone runs use different names). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * Waits until the app rendered and nothing on the page is loading (no aria-busy=true, no
 * "Loading…" placeholder). Polls with locators: the page's CSP forbids the eval that
 * waitForFunction with a string needs.
 */
export async function settled(page: Page, timeout = 30_000): Promise<void> {
  const done = await pollUntil(
    async () =>
      (await page.locator('#app > *').count()) > 0 &&
      (await page.locator('[aria-busy="true"], .loading').count()) === 0,
    timeout,
  )
  if (!done) throw new Error(`the page at ${page.url()} was still loading after ${timeout} ms`)
}

/** Waits until the `data-value` of a headline number satisfies `ok`; returns that value. */
export async function waitForMetric(
  page: Page,
  key: string,
  ok: (value: number) => boolean,
  timeout = 20_000,
): Promise<number> {
  let value = Number.NaN
  const done = await pollUntil(async () => {
    value = Number(await metric(page, key))
    return ok(value)
  }, timeout)
  if (!done) throw new Error(`${key} stayed at ${value} for ${timeout} ms`)
  return value
}

/** How far the page is wider than the viewport, in CSS pixels (0 = no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>
}

/** The raw numbers of a breakdown table's rows: value -> visitors. */
export async function tableRows(page: Page, panel: string): Promise<Map<string, number>> {
  const rows = page.locator(`[data-panel="${panel}"] tr.row`)
  const out = new Map<string, number>()
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i)
    const value = (await row.getAttribute('data-value')) ?? ''
    const visitors = await row.locator('td[data-col="visitors"]').getAttribute('data-raw')
    out.set(value, Number(visitors))
  }
  return out
}

/** The value of a headline number (data-value of `[data-metric=<key>] .stat-value`). */
export async function metric(page: Page, key: string): Promise<string | null> {
  return page.locator(`[data-metric="${key}"] .stat-value`).getAttribute('data-value')
}
