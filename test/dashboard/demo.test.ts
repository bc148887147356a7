// Issue 7's "done when", as a newcomer would do it: `clickflow start --demo`, open the dashboard's
// root with no address parameters, see live traffic on Realtime, find last week's top pages on the
// Overview, filter to one country by clicking it, and build a funnel, all through the navigation,
// each step checked against the API.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type {
  BreakdownResponse,
  FunnelResponse,
  LiveSnapshot,
  OverviewResponse,
} from '../../src/analytics/contract.ts'
import { chromiumSkip, launchChromium } from '../helpers/browser.ts'
import { type Clickflow, killAll, pollUntil, start, tempDir } from '../helpers/clickflow-process.ts'
import { api, DESKTOP, metric, screenshot, settled, tableRows, waitForMetric } from './helpers.ts'

describe('dashboard with the demo, as a newcomer uses it', { skip: chromiumSkip() }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow
  let browser: Browser
  let page: Page

  before(async () => {
    dir = await tempDir('clickflow-dashboard-demo-')
    cf = await start(dir.path, ['--demo', '--demo-port', '0'])
    const live = await pollUntil(
      async () => (await api<LiveSnapshot>(cf.adminUrl, '/api/live/snapshot')).visitors_now > 0,
      60_000,
    )
    assert.ok(live, 'the demo sent no live visitors within 60 s')
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: DESKTOP, timezoneId: 'UTC' })).newPage()
  })

  after(async () => {
    await browser?.close()
    await killAll()
    await dir?.remove()
  })

  test('live traffic, last week’s top pages, one country, a funnel', async () => {
    await page.goto(`${cf.adminUrl}/`)
    await settled(page)

    await page.getByRole('link', { name: 'Realtime' }).click()
    await waitForMetric(page, 'visitors_now', (v) => v > 0)
    await page.locator('.feed-list li').first().waitFor()
    await screenshot(page, 'demo-realtime')

    await page.getByRole('link', { name: 'Overview' }).click()
    await settled(page)
    // The default range is the last 7 days, in the browser's zone (UTC here).
    assert.equal(await page.getByLabel('Date range').inputValue(), '7d')
    const pages = await api<BreakdownResponse>(
      cf.adminUrl,
      '/api/stats/breakdown?period=7d&tz=UTC&dimension=page&limit=10',
    )
    assert.ok(pages.rows.length > 0, 'the demo history has no page views in the last 7 days')
    const shownPages = await tableRows(page, 'pages')
    assert.equal([...shownPages.keys()][0], pages.rows[0]!.value)

    const row = page.locator('[data-panel="locations"] tr.row.clickable').first()
    const country = (await row.getAttribute('data-value'))!
    await row.click()
    await page.locator('.chip', { hasText: country }).waitFor()
    await settled(page)
    const o = await api<OverviewResponse>(
      cf.adminUrl,
      `/api/stats/overview?period=7d&tz=UTC&filters=${encodeURIComponent(`country==${country}`)}`,
    )
    // Live visitors keep arriving: the page and the API may be a few events apart, never more than
    // the traffic of the seconds between the two queries.
    const shown = Number(await metric(page, 'visitors'))
    assert.ok(Math.abs(shown - o.current.visitors) <= 5, `page ${shown}, API ${o.current.visitors}`)
    await screenshot(page, 'demo-overview-country')
    await page.locator('.chip button').click()

    await page.getByRole('link', { name: 'Funnels' }).click()
    await settled(page)
    const events = await api<BreakdownResponse>(
      cf.adminUrl,
      '/api/stats/breakdown?period=7d&tz=UTC&dimension=event_name&limit=5&filters=event_type%3D%3Dtrack',
    )
    const name = events.rows[0]!.value!
    await page.getByLabel('Step 1 page pattern').fill('/')
    await page.getByLabel('Step 2 kind').selectOption('event')
    await page.getByLabel('Step 2 event name').fill(name)
    await page.getByRole('button', { name: 'Show funnel' }).click()
    await page.locator('[data-panel="funnel-result"] [data-step="1"]').waitFor()
    await settled(page)
    const f = await api<FunnelResponse>(cf.adminUrl, '/api/funnels', {
      steps: [{ event_type: 'pageview', page: '/' }, { event_name: name }],
      window: 86_400,
      period: '7d',
      tz: 'UTC',
    })
    const counts = await page
      .locator('[data-panel="funnel-result"] [data-visitors]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-visitors'))))
    assert.equal(counts.length, 2)
    for (const [i, c] of counts.entries()) {
      const api = f.steps[i]!.visitors
      assert.ok(Math.abs(c - api) <= 5, `step ${i + 1}: page ${c}, API ${api}`)
    }
    assert.ok(f.steps[0]!.visitors > 0)
    await screenshot(page, 'demo-funnel')
  })
})
