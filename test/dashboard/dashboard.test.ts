// The dashboard end to end in a real Chromium against the real clickflow CLI loaded with generated
// traffic (`clickflow generate --into`): every page shows the numbers the API gives for the same
// query; a country row filters every panel, survives a reload and goes with its chip; a funnel built
// in the UI matches POST /api/funnels; the SQL console shows rows and the API's refusal; realtime
// moves when events arrive; no request leaves the origin; nothing overflows on a phone.
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { parse, stringify } from 'yaml'
import type {
  ActiveUsersResponse,
  AlertsResponse,
  BreakdownResponse,
  FunnelResponse,
  LiveSnapshot,
  OverviewResponse,
  PathsResponse,
  RetentionResponse,
  TimeseriesResponse,
} from '../../src/analytics/contract.ts'
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts'
import { chromiumSkip, launchChromium } from '../helpers/browser.ts'
import {
  type Clickflow,
  killAll,
  pollUntil,
  post,
  runCli,
  sqlNumber,
  start,
  storedAndSessionized,
  tempDir,
} from '../helpers/clickflow-process.ts'
import {
  api,
  DESKTOP,
  horizontalOverflow,
  metric,
  PHONE,
  screenshot,
  settled,
  tableRows,
  waitForMetric,
} from './helpers.ts'

/** Generated events: enough for every panel, few enough to load in seconds. */
const EVENTS = 4000
/** Events posted by the test come from a browser: live metrics leave bots (Node's fetch is one) out. */
const BROWSER_UA = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
}
/** The range and zone every comparison uses, in the URL and in the API query alike. */
const RANGE = 'period=30d&tz=UTC'

describe('dashboard in Chromium', { skip: chromiumSkip() }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow
  let browser: Browser
  let context: BrowserContext
  /** Every URL the pages requested, to prove none left the origin. */
  const requested: string[] = []

  before(async () => {
    dir = await tempDir('clickflow-dashboard-')
    // The default topology plus one alert rule the realtime test's visitors make fire.
    const config = parse(DEFAULT_CONFIG_YAML) as { sinks: { live: Record<string, unknown> } }
    config.sinks.live.alerts = {
      evaluate_every: '1s',
      rules: [{ id: 'busy', metric: 'visitors_now', condition: 'above', threshold: 3, window: '5m' }],
    }
    const configFile = join(dir.path, 'clickflow.yaml')
    await writeFile(configFile, stringify(config))
    cf = await start(dir.path, ['--config', configFile])
    const gen = await runCli([
      'generate',
      '--events',
      String(EVENTS),
      '--days',
      '20',
      '--sites',
      'shop.example.com,blog.example.com',
      '--into',
      dir.path,
    ])
    assert.equal(gen.code, 0, `generate failed: ${gen.stderr}`)
    // Stored, and in the processor's sessions too: the page and the API must see the same data.
    assert.ok(
      await storedAndSessionized(cf.adminUrl, EVENTS),
      'the generated events never reached the store and its sessions',
    )
    browser = await launchChromium()
    context = await browser.newContext({ viewport: DESKTOP, timezoneId: 'UTC' })
    context.on('request', (r) => requested.push(r.url()))
  })

  after(async () => {
    await browser?.close()
    await killAll()
    await dir?.remove()
  })

  async function open(query: string, page?: Page): Promise<Page> {
    const p = page ?? (await context.newPage())
    await p.goto(`${cf.adminUrl}/?${query}`)
    await settled(p)
    return p
  }

  test('serves the page and a bundle within 150 KB of gzipped JavaScript', async () => {
    const res = await fetch(`${cf.adminUrl}/`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const html = await res.text()
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
    assert.equal(scripts.length, 1, html)
    let gzipped = 0
    for (const path of scripts) {
      const js = await fetch(`${cf.adminUrl}${path}`, { headers: { 'accept-encoding': 'gzip' } })
      assert.equal(js.status, 200)
      assert.equal(js.headers.get('content-encoding'), 'gzip')
      assert.match(js.headers.get('cache-control') ?? '', /immutable/)
      // fetch decodes the body; content-length is what went over the wire.
      gzipped += Number(js.headers.get('content-length'))
      await js.arrayBuffer()
    }
    assert.ok(gzipped > 10_000 && gzipped <= 150 * 1024, `JavaScript is ${gzipped} bytes gzipped`)
    const missing = await fetch(`${cf.adminUrl}/assets/nope.js`)
    assert.equal(missing.status, 404)
  })

  test('overview: headline numbers, chart and every panel equal the API', async () => {
    const page = await open(`view=overview&${RANGE}`)
    const o = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${RANGE}`)
    assert.ok(o.current.visitors > 0, 'the generated data should have visitors in 30 days')
    for (const key of ['visitors', 'page_views', 'sessions', 'bounce_rate', 'visit_duration'] as const)
      assert.equal(Number(await metric(page, key)), o.current[key], key)
    // The live view's conversion event (purchase in the default config) is the goal until one is chosen.
    const goal = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${RANGE}&goal=purchase`)
    assert.ok(goal.current.conversion_rate !== null && goal.current.conversion_rate > 0)
    assert.equal(Number(await metric(page, 'conversion_rate')), goal.current.conversion_rate)
    await page.getByLabel('Conversion goal').selectOption('add_to_cart')
    await settled(page)
    const cart = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${RANGE}&goal=add_to_cart`)
    assert.equal(Number(await metric(page, 'conversion_rate')), cart.current.conversion_rate)
    assert.match(page.url(), /goal=add_to_cart/)
    const ts = await api<TimeseriesResponse>(cf.adminUrl, `/api/stats/timeseries?${RANGE}&interval=day`)
    const total = ts.points.reduce((a, p) => a + p.visitors, 0)
    assert.equal(
      Number(await page.locator('[data-panel="timeseries"] [data-total]').getAttribute('data-total')),
      total,
    )
    assert.ok((await page.locator('[data-panel="timeseries"] canvas').count()) > 0, 'uPlot drew no canvas')
    for (const [panel, dimension] of [
      ['pages', 'page'],
      ['sources', 'channel'],
      ['locations', 'country'],
      ['devices', 'device'],
      ['events', 'event_name'],
    ] as const) {
      // The custom events panel shows custom events only (event_type track).
      const only = panel === 'events' ? `&filters=${encodeURIComponent('event_type==track')}` : ''
      const b = await api<BreakdownResponse>(
        cf.adminUrl,
        `/api/stats/breakdown?${RANGE}&dimension=${dimension}&limit=10${only}`,
      )
      const shown = await tableRows(page, panel)
      assert.deepEqual(shown, new Map(b.rows.map((r) => [r.value ?? '', r.visitors])), `${panel} panel`)
    }
    const active = await api<ActiveUsersResponse>(cf.adminUrl, `/api/stats/active-users?${RANGE}`)
    for (const key of ['dau', 'wau', 'mau', 'stickiness'] as const)
      assert.equal(Number(await metric(page, key)), active[key], key)
    await screenshot(page, 'overview')
    // The other tabs of a panel load their own dimension.
    await page.locator('[data-panel="pages"] [role="tab"]', { hasText: 'Entry' }).click()
    await settled(page)
    const entry = await api<BreakdownResponse>(
      cf.adminUrl,
      `/api/stats/breakdown?${RANGE}&dimension=entry_page&limit=10`,
    )
    assert.deepEqual(
      await tableRows(page, 'pages'),
      new Map(entry.rows.map((r) => [r.value ?? '', r.visitors])),
    )
    await page.close()
  })

  test('range picker, time zone, interval and site selector change the query as the API answers it', async () => {
    const page = await open(`view=overview&${RANGE}`)
    const sumOf = async (query: string, interval: string) => {
      const ts = await api<TimeseriesResponse>(
        cf.adminUrl,
        `/api/stats/timeseries?${query}&interval=${interval}`,
      )
      return { points: ts.points.length, total: ts.points.reduce((a, p) => a + p.visitors, 0) }
    }
    const chart = async () => {
      const el = page.locator('[data-panel="timeseries"] [data-total]')
      return {
        points: Number(await el.getAttribute('data-points')),
        total: Number(await el.getAttribute('data-total')),
      }
    }
    // Interval: by week.
    await page.getByLabel('Interval').selectOption('week')
    await settled(page)
    assert.match(page.url(), /interval=week/)
    assert.deepEqual(await chart(), await sumOf(RANGE, 'week'))

    // Custom range (the picker's `to` is inclusive; the API's is exclusive) in another zone.
    const to = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10)
    const from = new Date(Date.now() - 12 * 86_400_000).toISOString().slice(0, 10)
    const toNext = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    await page.getByLabel('Date range').selectOption('custom')
    await page.getByLabel('From', { exact: true }).fill(from)
    await page.getByLabel('To', { exact: true }).fill(to)
    await page.getByLabel('Time zone').selectOption('America/New_York')
    await settled(page)
    const custom = `from=${from}&to=${toNext}&tz=America%2FNew_York`
    const o = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${custom}`)
    assert.equal(Number(await metric(page, 'visitors')), o.current.visitors)
    assert.equal(Number(await metric(page, 'sessions')), o.current.sessions)
    assert.deepEqual(await chart(), await sumOf(custom, 'week'))

    // One site of the two.
    await page.getByLabel('Site').selectOption('blog.example.com')
    await settled(page)
    const blog = await api<OverviewResponse>(
      cf.adminUrl,
      `/api/stats/overview?${custom}&site=blog.example.com`,
    )
    assert.equal(Number(await metric(page, 'visitors')), blog.current.visitors)
    assert.ok(blog.current.visitors < o.current.visitors)
    const pages = await api<BreakdownResponse>(
      cf.adminUrl,
      `/api/stats/breakdown?${custom}&site=blog.example.com&dimension=page&limit=10`,
    )
    assert.deepEqual(
      await tableRows(page, 'pages'),
      new Map(pages.rows.map((r) => [r.value ?? '', r.visitors])),
    )
    // The whole view is in the address: a reload shows the same.
    await page.reload()
    await settled(page)
    assert.equal(Number(await metric(page, 'visitors')), blog.current.visitors)
    await screenshot(page, 'overview-custom-range')
    await page.close()
  })

  test('clicking a country filters every panel; a reload keeps it; removing the chip clears it', async () => {
    const page = await open(`view=overview&${RANGE}`)
    const unfiltered = await metric(page, 'visitors')
    const row = page.locator('[data-panel="locations"] tr.row.clickable').first()
    const country = (await row.getAttribute('data-value'))!
    await row.click()
    await page.locator('.chip', { hasText: country }).waitFor()
    await settled(page)
    assert.match(decodeURIComponent(page.url()), new RegExp(`f=country==${country}`))
    const filters = encodeURIComponent(JSON.stringify([{ dimension: 'country', op: '==', value: [country] }]))
    const check = async () => {
      const o = await api<OverviewResponse>(cf.adminUrl, `/api/stats/overview?${RANGE}&filters=${filters}`)
      assert.equal(Number(await metric(page, 'visitors')), o.current.visitors)
      assert.equal(Number(await metric(page, 'page_views')), o.current.page_views)
      for (const [panel, dimension] of [
        ['pages', 'page'],
        ['sources', 'channel'],
        ['locations', 'country'],
        ['devices', 'device'],
      ] as const) {
        const b = await api<BreakdownResponse>(
          cf.adminUrl,
          `/api/stats/breakdown?${RANGE}&dimension=${dimension}&limit=10&filters=${filters}`,
        )
        assert.deepEqual(
          await tableRows(page, panel),
          new Map(b.rows.map((r) => [r.value ?? '', r.visitors])),
          panel,
        )
      }
      assert.deepEqual([...(await tableRows(page, 'locations')).keys()], [country])
    }
    await check()
    assert.notEqual(await metric(page, 'visitors'), unfiltered, 'the filter changed nothing')
    await screenshot(page, 'overview-filtered')
    await page.reload()
    await settled(page)
    await page.locator('.chip', { hasText: country }).waitFor()
    await check()
    await page.locator('.chip button').click()
    await settled(page)
    assert.equal(await page.locator('.chip').count(), 0)
    assert.equal(await metric(page, 'visitors'), unfiltered)
    assert.doesNotMatch(decodeURIComponent(page.url()), /f=country/)
    await page.close()
  })

  test('breakdowns: the full list of a dimension equals the API, custom event properties included', async () => {
    const page = await open(`view=breakdowns&dim=referrer_host&${RANGE}`)
    const b = await api<BreakdownResponse>(
      cf.adminUrl,
      `/api/stats/breakdown?${RANGE}&dimension=referrer_host&limit=100`,
    )
    assert.deepEqual(
      await tableRows(page, 'breakdown'),
      new Map(b.rows.map((r) => [r.value ?? '', r.visitors])),
    )
    await screenshot(page, 'breakdowns')
    const keys = page.locator('[aria-label="Event properties"] [role="tab"]')
    if ((await keys.count()) > 0) {
      const key = (await keys.first().textContent())!
      await keys.first().click()
      await settled(page)
      const p = await api<BreakdownResponse>(
        cf.adminUrl,
        `/api/stats/breakdown?${RANGE}&dimension=${encodeURIComponent(`prop:${key}`)}&limit=100`,
      )
      assert.deepEqual(
        await tableRows(page, 'breakdown'),
        new Map(p.rows.map((r) => [r.value ?? '', r.visitors])),
      )
    }
    // Paths: where the visitors of the filtered page went next, and where they came from.
    const top = (
      await api<BreakdownResponse>(cf.adminUrl, `/api/stats/breakdown?${RANGE}&dimension=page&limit=1`)
    ).rows[0]!.value!
    await open(`view=breakdowns&${RANGE}&f=${encodeURIComponent(`page==${top}`)}`, page)
    for (const direction of ['next', 'previous'] as const) {
      if (direction === 'previous') {
        await page.locator('[data-panel="paths"] [role="tab"]', { hasText: 'Previous page' }).click()
        await settled(page)
      }
      const paths = await api<PathsResponse>(
        cf.adminUrl,
        `/api/stats/paths?${RANGE}&page=${encodeURIComponent(top)}&direction=${direction}&limit=10`,
      )
      assert.deepEqual(
        await tableRows(page, 'paths'),
        new Map(paths.rows.map((r) => [r.page ?? '', r.visitors])),
        direction,
      )
    }
    await screenshot(page, 'breakdowns-paths')
    await page.close()
  })

  test('a funnel built in the UI shows the counts of /api/funnels, and can be saved', async () => {
    const events = await api<BreakdownResponse>(
      cf.adminUrl,
      `/api/stats/breakdown?${RANGE}&dimension=event_name&limit=10`,
    )
    const names = events.rows.flatMap((r) => (r.value ? [r.value] : []))
    assert.ok(names.length >= 1, 'the generated data has no custom events')
    const page = await open(`view=funnels&${RANGE}`)
    // Step 1: a page view of any page; step 2: the most common custom event.
    await page.getByLabel('Step 1 page pattern').fill('/*')
    await page.getByLabel('Step 2 kind').selectOption('event')
    await page.getByLabel('Step 2 event name').fill(names[0]!)
    await page.getByRole('button', { name: 'Show funnel' }).click()
    await page.locator('[data-panel="funnel-result"] [data-step="1"]').waitFor()
    await settled(page)
    const expected = await api<FunnelResponse>(cf.adminUrl, '/api/funnels', {
      steps: [{ event_type: 'pageview', page: '/*' }, { event_name: names[0] }],
      window: 86_400,
      period: '30d',
      tz: 'UTC',
    })
    const shown = await page
      .locator('[data-panel="funnel-result"] [data-visitors]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-visitors'))))
    assert.deepEqual(
      shown,
      expected.steps.map((s) => s.visitors),
    )
    assert.ok(expected.steps[0]!.visitors > 0)
    await page.getByLabel('Funnel name').fill('visit then act')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('.ok', { hasText: 'Saved' }).waitFor()
    const saved = await api<unknown>(cf.adminUrl, '/api/funnels/saved')
    assert.match(JSON.stringify(saved), /visit then act/)
    await page.locator('[data-panel="saved-funnels"]', { hasText: 'visit then act' }).waitFor()
    await screenshot(page, 'funnels')
    // A fresh page loads the saved funnel with one click and shows the same counts.
    await open(`view=funnels&${RANGE}`, page)
    await page.locator('[data-panel="saved-funnels"] button', { hasText: 'visit then act' }).click()
    await page.locator('[data-panel="funnel-result"] [data-step="1"]').waitFor()
    await settled(page)
    const again = await page
      .locator('[data-panel="funnel-result"] [data-visitors]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-visitors'))))
    assert.deepEqual(
      again,
      expected.steps.map((s) => s.visitors),
    )
    assert.match(decodeURIComponent(page.url()), /step=event:/)
    await page.close()
  })

  test('retention: the cohort grid equals /api/retention', async () => {
    const page = await open(`view=retention&${RANGE}`)
    const r = await api<RetentionResponse>(cf.adminUrl, '/api/retention', {
      cohort: 'day',
      period: '30d',
      tz: 'UTC',
    })
    const rows = page.locator('[data-panel="retention"] tr[data-cohort]')
    assert.equal(await rows.count(), r.cohorts.length)
    for (let i = 0; i < r.cohorts.length; i++) {
      const cells = await rows
        .nth(i)
        .locator('td.cell')
        .evaluateAll((els) =>
          els.map((e) => (e.hasAttribute('data-retained') ? Number(e.getAttribute('data-retained')) : null)),
        )
      assert.deepEqual(cells.slice(0, r.cohorts[i]!.retained.length), [...r.cohorts[i]!.retained])
    }
    await screenshot(page, 'retention')
    await page.close()
  })

  test('SQL console: Ctrl+Enter runs the query and shows its rows; a forbidden statement shows the API message', async () => {
    const page = await open('view=sql')
    const editor = page.getByLabel('SQL query')
    await editor.fill('SELECT country, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5')
    await editor.press('Control+Enter')
    await page.locator('[data-panel="sql-result"] tbody tr').first().waitFor()
    const rows = await page
      .locator('[data-panel="sql-result"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    const expected = await api<{ rows: unknown[][] }>(cf.adminUrl, '/api/sql', {
      sql: 'SELECT country, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5',
    })
    assert.deepEqual(
      rows,
      expected.rows.map((r) => r.map((v) => (v === null ? 'NULL' : String(v)))),
    )
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ])
    const csv = await readFile((await download.path())!, 'utf8')
    const csvRows = expected.rows.map((r) => `${r.map((v) => (v === null ? '' : String(v))).join(',')}\r\n`)
    assert.equal(csv, `country,events\r\n${csvRows.join('')}`)
    await page.getByRole('tab', { name: 'Chart' }).click()
    await page.locator('[data-panel="sql-result"] canvas').first().waitFor()
    await screenshot(page, 'sql')
    await editor.fill('DELETE FROM events')
    await editor.press('Control+Enter')
    const refused = await post<{ message: string }>(`${cf.adminUrl}/api/sql`, { sql: 'DELETE FROM events' })
    assert.equal(refused.status, 400)
    await page.locator('.error-message', { hasText: refused.body.message }).waitFor()
    await screenshot(page, 'sql-refused')
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) >= 1 FROM events'), 1)
    await page.close()
  })

  test('realtime: posting events moves visitors now and the live chart', async () => {
    const page = await open('view=realtime')
    await page.locator('.live-dot.on').waitFor()
    const before = await api<LiveSnapshot>(cf.adminUrl, '/api/live/snapshot')
    const visitorsBefore = Number(await metric(page, 'visitors_now'))
    const chartBefore = Number(
      await page.locator('[data-panel="live-chart"] [data-total]').getAttribute('data-total'),
    )
    const run = Date.now().toString(36)
    const events = Array.from({ length: 5 }, (_, i) => ({
      type: 'pageview',
      url: `https://shop.example.com/live-${run}-${i}`,
      visitor_id: `live-${run}-${i}`,
    }))
    const posted = await post(cf.collectUrl, { events }, BROWSER_UA)
    assert.equal(posted.status, 200)
    const t0 = Date.now()
    await waitForMetric(page, 'visitors_now', (v) => v >= visitorsBefore + 5)
    const chartMoved = await pollUntil(
      async () =>
        Number(await page.locator('[data-panel="live-chart"] [data-total]').getAttribute('data-total')) >=
        chartBefore + 5,
      20_000,
    )
    assert.ok(chartMoved, 'the live chart did not count the new page views')
    const moved = Date.now() - t0
    // Recorded for docs/benchmarks.md (bench/dashboard.ts measures it alone); the target is 2 s.
    process.stderr.write(`dashboard realtime: moved ${moved} ms after the collector's ack (target <= 2000)\n`)
    assert.ok(before.visitors_now <= visitorsBefore + 5)
    await page
      .locator('.feed-list li', { hasText: `/live-${run}-` })
      .first()
      .waitFor()
    // Paused, the feed keeps what it shows while new events arrive.
    await page.getByRole('button', { name: /Pause/ }).click()
    const shownPaused = await page.locator('.feed-list li').count()
    await post(
      cf.collectUrl,
      {
        events: [{ type: 'pageview', url: 'https://shop.example.com/while-paused', visitor_id: `p-${run}` }],
      },
      BROWSER_UA,
    )
    await waitForMetric(page, 'visitors_now', (v) => v >= visitorsBefore + 6)
    assert.equal(await page.locator('.feed-list li', { hasText: '/while-paused' }).count(), 0)
    await page.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor()
    assert.equal(await page.locator('.feed-list li').count(), shownPaused)
    await screenshot(page, 'realtime')
    await page.close()
  })

  test('alerts: the rule the realtime visitors made fire and its history, as /api/alerts lists them', async () => {
    const fired = await pollUntil(
      async () => (await api<AlertsResponse>(cf.adminUrl, '/api/alerts')).history.length > 0,
      30_000,
    )
    assert.ok(fired, 'the busy rule never fired')
    // A rule's value moves as visitors come and go (the rules are evaluated every second): the page
    // is checked against the very answer it rendered, not a second read that may be newer.
    const page = await context.newPage()
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/alerts')
    await open('view=alerts', page)
    const a = (await (await answer).json()) as AlertsResponse
    assert.equal(await page.locator('[data-rule]').count(), a.rules.length)
    for (const rule of a.rules) {
      const row = page.locator(`[data-rule="${rule.id}"]`)
      assert.equal(await row.locator('.state').textContent(), rule.state)
      assert.equal(Number(await row.locator('[data-raw]').getAttribute('data-raw')), rule.last_value)
    }
    assert.equal(a.rules[0]!.state, 'firing')
    const history = await page
      .locator('[data-panel="alert-history"] tr[data-history]')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-history'), tr.getAttribute('data-value')]))
    assert.deepEqual(
      history,
      a.history.map((h) => [h.kind, String(h.value)]),
    )
    await screenshot(page, 'alerts')
    await page.close()
  })

  test('on a phone every page fits the screen', async () => {
    const phone = await browser.newContext({
      viewport: PHONE,
      timezoneId: 'UTC',
      isMobile: true,
      hasTouch: true,
    })
    phone.on('request', (r) => requested.push(r.url()))
    const page = await phone.newPage()
    for (const view of ['realtime', 'overview', 'breakdowns', 'funnels', 'retention', 'alerts', 'sql']) {
      await open(`view=${view}&${RANGE}`, page)
      await screenshot(page, `phone-${view}`)
      assert.ok((await horizontalOverflow(page)) <= 0, `${view} scrolls sideways on a phone`)
    }
    await phone.close()
  })

  test('no page requested anything outside the clickflow origin', () => {
    assert.ok(requested.length > 10)
    const foreign = requested.filter(
      (u) => !u.startsWith(`${cf.adminUrl}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
    )
    assert.deepEqual(foreign, [])
  })
})
