// The dashboard in Firefox (Debian's firefox-esr over WebDriver BiDi) against the real CLI with
// generated traffic: the Overview's numbers equal the API's, a country row filters, the SQL console
// runs with Ctrl+Enter, Realtime moves when events arrive, and no request leaves the origin.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'puppeteer-core'
import type { BreakdownResponse, OverviewResponse } from '../../src/analytics/contract.ts'
import {
  type Clickflow,
  killAll,
  pollUntil,
  post,
  runCli,
  start,
  storedAndSessionized,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { firefoxSkip, launchFirefox } from './firefox.ts'
import { api, SCREENSHOT_DIR } from './helpers.ts'

const EVENTS = 2000
const RANGE = 'period=30d&tz=UTC'
const BROWSER_UA = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
}

describe('dashboard in Firefox', { skip: firefoxSkip() }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow
  let browser: Browser
  let page: Page
  const requested: string[] = []

  before(async () => {
    dir = await tempDir('clickflow-dashboard-ff-')
    cf = await start(dir.path)
    const gen = await runCli(['generate', '--events', String(EVENTS), '--days', '20', '--into', dir.path])
    assert.equal(gen.code, 0, `generate failed: ${gen.stderr}`)
    // Stored, and in the processor's sessions too: the page and the API must see the same data.
    assert.ok(
      await storedAndSessionized(cf.adminUrl, EVENTS),
      'the generated events never reached the store and its sessions',
    )
    await mkdir(SCREENSHOT_DIR, { recursive: true })
    browser = await launchFirefox()
    page = await browser.newPage()
    await page.setViewport({ width: 1280, height: 900 })
    page.on('request', (r) => {
      requested.push(r.url())
    })
  })

  after(async () => {
    await browser?.close()
    await killAll()
    await dir?.remove()
  })

  async function settled(): Promise<void> {
    const done = await pollUntil(
      async () =>
        (await page.$$('#app > *')).length > 0 &&
        (await page.$$('[aria-busy="true"], .loading')).length === 0,
      30_000,
    )
    assert.ok(done, `${page.url()} was still loading after 30 s`)
  }

  const attr = (selector: string, name: string) =>
    page.$eval(selector, (e, n) => e.getAttribute(n as string), name)

  async function rows(panel: string): Promise<Map<string, number>> {
    const list = await page.$$eval(`[data-panel="${panel}"] tr.row`, (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-value') ?? '',
        Number(tr.querySelector('td[data-col="visitors"]')?.getAttribute('data-raw')),
      ]),
    )
    return new Map(list as [string, number][])
  }

  test('overview numbers and a country filter equal the API', async () => {
    await page.goto(`${cf.adminUrl}/?view=overview&${RANGE}`)
    await settled()
    const o = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${RANGE}`)
    for (const key of ['visitors', 'page_views', 'sessions', 'bounce_rate'] as const)
      assert.equal(
        Number(await attr(`[data-metric="${key}"] .stat-value`, 'data-value')),
        o.current[key],
        key,
      )
    const countries = await api<BreakdownResponse>(
      cf.adminUrl,
      `/api/stats/breakdown?${RANGE}&dimension=country&limit=10`,
    )
    assert.deepEqual(await rows('locations'), new Map(countries.rows.map((r) => [r.value ?? '', r.visitors])))
    assert.ok((await page.$$('[data-panel="timeseries"] canvas')).length > 0, 'uPlot drew nothing')
    await page.screenshot({ path: `${SCREENSHOT_DIR}/firefox-overview.png`, fullPage: true })

    const country = countries.rows.find((r) => r.value !== null)!.value!
    await page.click(`[data-panel="locations"] tr.row[data-value="${country}"]`)
    await page.waitForSelector(`.chip[data-filter="country==${country}"]`)
    await settled()
    const filters = encodeURIComponent(`country==${country}`)
    const f = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${RANGE}&filters=${filters}`)
    assert.equal(Number(await attr('[data-metric="visitors"] .stat-value', 'data-value')), f.current.visitors)
    assert.ok(f.current.visitors < o.current.visitors)
    assert.match(decodeURIComponent(page.url()), new RegExp(`f=country==${country}`))
  })

  test('SQL console runs with Ctrl+Enter', async () => {
    await page.goto(`${cf.adminUrl}/?view=sql`)
    await settled()
    const query = 'SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC, 1'
    await page.$eval('textarea.editor', (e) => {
      ;(e as { value: string }).value = ''
    })
    await page.type('textarea.editor', query)
    await page.keyboard.down('Control')
    await page.keyboard.press('Enter')
    await page.keyboard.up('Control')
    await page.waitForSelector('[data-panel="sql-result"] tbody tr')
    const shown = await page.$$eval('[data-panel="sql-result"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    )
    const expected = await api<{ rows: unknown[][] }>(cf.adminUrl, '/api/sql', { sql: query })
    assert.deepEqual(
      shown,
      expected.rows.map((r) => r.map((v) => String(v))),
    )
  })

  test('realtime moves when events arrive', async () => {
    await page.goto(`${cf.adminUrl}/?view=realtime`)
    await page.waitForSelector('.live-dot.on', { timeout: 30_000 })
    const before = Number(await attr('[data-metric="visitors_now"] .stat-value', 'data-value'))
    const run = Date.now().toString(36)
    const events = Array.from({ length: 3 }, (_, i) => ({
      type: 'pageview',
      url: `https://shop.example.com/ff-${run}-${i}`,
      visitor_id: `ff-${run}-${i}`,
    }))
    assert.equal((await post(cf.collectUrl, { events }, BROWSER_UA)).status, 200)
    const moved = await pollUntil(
      async () => Number(await attr('[data-metric="visitors_now"] .stat-value', 'data-value')) >= before + 3,
      20_000,
    )
    assert.ok(moved, 'visitors now did not move in Firefox')
    await page.waitForSelector(`.feed-list li`)
    await page.screenshot({ path: `${SCREENSHOT_DIR}/firefox-realtime.png`, fullPage: true })
  })

  test('no request left the clickflow origin', () => {
    assert.ok(requested.length > 5)
    assert.deepEqual(
      requested.filter((u) => !u.startsWith(`${cf.adminUrl}/`) && !/^(data|blob):/.test(u)),
      [],
    )
  })
})
