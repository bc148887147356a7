// Token sign-in in a real Chromium: with an admin token configured, the page and its assets load but
// every data endpoint is refused, and the dashboard asks for the token; a wrong token is refused
// with a sentence, the right one shows the data and every request then carries it as Bearer.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { chromiumSkip, launchChromium } from '../helpers/browser.ts'
import { type Clickflow, killAll, start, tempDir } from '../helpers/clickflow-process.ts'
import { DESKTOP, screenshot, settled } from './helpers.ts'

const TOKEN = 'dashboard-test-token-0123456789'

describe('dashboard sign-in', { skip: chromiumSkip() }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow
  let browser: Browser

  before(async () => {
    dir = await tempDir('clickflow-dashboard-token-')
    cf = await start(dir.path, [], { CLICKFLOW_ADMIN_TOKEN: TOKEN })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await killAll()
    await dir?.remove()
  })

  test('the page is public, the data is not', async () => {
    const page = await fetch(`${cf.adminUrl}/`)
    assert.equal(page.status, 200)
    const js = /src="(\/assets\/[^"]+)"/.exec(await page.text())![1]!
    assert.equal((await fetch(`${cf.adminUrl}${js}`)).status, 200)
    for (const path of ['/api/dashboard/setup', '/api/stats/overview', '/api/sites', '/api/live/snapshot']) {
      const res = await fetch(`${cf.adminUrl}${path}`)
      assert.equal(res.status, 401, path)
      assert.equal(((await res.json()) as { code: string }).code, 'unauthorized')
    }
  })

  test('asks for the token, refuses a wrong one, shows the data with the right one', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, timezoneId: 'UTC' })
    const page = await context.newPage()
    const authHeaders: (string | undefined)[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) authHeaders.push(r.headers().authorization)
    })
    await page.goto(`${cf.adminUrl}/?view=overview`)
    await page.getByRole('heading', { name: 'Sign in to clickflow' }).waitFor()
    await screenshot(page, 'sign-in')
    assert.equal(await page.locator('[data-metric]').count(), 0, 'no numbers without the token')

    await page.getByLabel('Admin token').fill('wrong-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('The server refused this token').waitFor()

    await page.getByLabel('Admin token').fill(TOKEN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('[data-metric="visitors"] .stat-value').waitFor()
    await settled(page)
    assert.equal(await page.evaluate(`sessionStorage.getItem('clickflow.token')`), TOKEN)
    const last = authHeaders.slice(-3)
    assert.deepEqual(
      last,
      last.map(() => `Bearer ${TOKEN}`),
    )

    // A reload in the same tab keeps the session; a new context (another browser) asks again.
    await page.reload()
    await page.locator('[data-metric="visitors"] .stat-value').waitFor()
    await screenshot(page, 'signed-in-empty')
    // Nothing was ever sent here: the empty state offers the real snippet, pointing at /tag.js.
    const snippet = await page.locator('[data-empty="no-data"] .snippet').textContent()
    assert.match(snippet ?? '', /<script defer src="http:\/\/127\.0\.0\.1:[^"]*\/tag\.js" data-site=/)
    await page.goto(`${cf.adminUrl}/?view=alerts`)
    await page.getByText('No alert rules').waitFor()
    const other = await browser.newContext()
    const fresh = await other.newPage()
    await fresh.goto(`${cf.adminUrl}/?view=realtime`)
    await fresh.getByRole('heading', { name: 'Sign in to clickflow' }).waitFor()
    await other.close()
    await context.close()
  })
})
