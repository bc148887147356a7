// `clickflow start --demo` end to end: the demo shop is served on loopback with the real tag, a real
// Chromium clicking through it sends page views and the funnel's custom events into the store, the
// first start generates exactly the backfill's history (and a restart does not generate it again),
// simulated visitors keep posting to /collect with addresses in several countries, and SIGTERM stops
// everything cleanly.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { chromiumSkip, launchChromium } from '../helpers/browser.ts'
import {
  type Clickflow,
  killAll,
  pollUntil,
  sqlNumber,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'

const BACKFILL = 40_000
/** Backfilled events come through the import parser: ids are UUID-shaped, never "page view id:n". */
// The backfill's ids are lineEventId's over the identity `demo-backfill:<end>` (see src/demo).
const HISTORY = "event_id LIKE 'demo-backfill:%'"
const LIVE = "event_id NOT LIKE 'demo-backfill:%' AND page_url LIKE 'https://shop.example.com/%'"

/** The demo shop's URL from the startup lines on stderr (written just after the JSON log line). */
async function demoUrl(cf: Clickflow): Promise<string> {
  await pollUntil(async () => /demo shop: \S+/.test(cf.stderr()), 10_000)
  const m = /demo shop: (\S+)/.exec(cf.stderr())
  assert.ok(m, `no demo shop line in:\n${cf.stderr()}`)
  return m[1]!
}

describe('clickflow start --demo', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let browser: Browser | undefined
  after(async () => {
    await browser?.close()
    await killAll()
    await dir?.remove()
  })

  test('serves the demo shop; its history and live visitors arrive in the store; SIGTERM exits cleanly', async () => {
    dir = await tempDir()
    const cf = await start(dir.path, ['--demo', '--demo-port', '0'])
    const site = await demoUrl(cf)
    const home = await fetch(site)
    assert.equal(home.status, 200)
    const html = await home.text()
    const collector = new URL(cf.collectUrl)
    assert.ok(
      html.includes(`src="http://127.0.0.1:${collector.port}/tag.js"`),
      'the page loads the collector tag',
    )
    assert.equal((await fetch(new URL('/nope', site))).status, 404)

    // History: exactly the backfill, spread over the past weeks.
    const history = () => sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE ${HISTORY}`)
    assert.ok(
      await pollUntil(async () => (await history()) === BACKFILL, 120_000),
      `history: ${await history()}`,
    )
    const days = await sqlNumber(
      cf.adminUrl,
      `SELECT count(DISTINCT event_time::DATE) FROM events WHERE ${HISTORY}`,
    )
    assert.ok(days >= 21, `history over ${days} days`)

    // Live simulated visitors, from several countries (X-Forwarded-For from loopback is believed).
    const live = () => sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE ${LIVE}`)
    assert.ok(await pollUntil(async () => (await live()) >= 20, 120_000), `live events: ${await live()}`)
    assert.ok(
      await pollUntil(
        async () =>
          (await sqlNumber(cf.adminUrl, `SELECT count(DISTINCT country) FROM events WHERE ${LIVE}`)) >= 2,
        60_000,
      ),
    )
    // SIGTERM: the demo stops first, then clickflow drains; a clean exit.
    assert.deepEqual(await cf.stop('SIGTERM'), { code: 0, signal: null })
  })

  test('a real Chromium clicking through the shop sends page views and funnel events', {
    skip: chromiumSkip(),
  }, async () => {
    const cf = await start(dir.path, ['--demo', '--demo-port', '0'])
    const site = await demoUrl(cf)
    browser = await launchChromium()
    const page = await browser.newPage()
    await page.goto(site)
    await page.click('a[href="/products/trail-runner-black"]')
    await page.waitForURL('**/products/trail-runner-black')
    await page.click('#add')
    await page.waitForURL('**/cart')
    await page.click('#checkout')
    await page.click('#pay')
    await page.waitForURL('**/checkout/complete')
    const origin = site.replace(/\/$/, '')
    const browserEvents = (where: string) =>
      sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE page_url LIKE '${origin}/%' AND ${where}`)
    assert.ok(
      await pollUntil(async () => (await browserEvents("event_type = 'pageview'")) >= 5, 30_000),
      `page views from the browser: ${await browserEvents("event_type = 'pageview'")}`,
    )
    for (const name of ['view_product', 'add_to_cart', 'purchase'])
      assert.ok(
        await pollUntil(async () => (await browserEvents(`event_name = '${name}'`)) === 1, 30_000),
        name,
      )
    assert.equal(await browserEvents("site = 'shop.example.com'"), await browserEvents('true'))
    await page.close()

    // This was the second start on the same data: no second history.
    const before = await sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE ${LIVE}`)
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE ${LIVE}`)) > before + 10,
        120_000,
      ),
    )
    assert.equal(await sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE ${HISTORY}`), BACKFILL)

    const exit = await cf.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null })
    assert.match(cf.stderr(), /demo shop: /)
  })
})
