// `npm run bench:dashboard`: what the dashboard costs a browser. The bundle as served (JavaScript and
// CSS, raw, gzip and brotli) against the 150 KB gzip budget; the first load of the Overview in
// Debian's Chromium (a fresh context each time, so a cold cache) until its numbers are on screen,
// against the baseline of a static page without script served by a bare node:http server to the
// same browser in the same run; a warm reload; and how soon Realtime shows events posted to the
// collector (target 2 s). Writes the "Dashboard" section of docs/benchmarks.md.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium } from '../test/helpers/browser.ts'
import { runCli } from '../test/helpers/clickflow-process.ts'
import { sql, startClickflow } from './lib/clickflow.ts'
import { machine, revision, writeSection } from './lib/docs.ts'
import { stopServer } from './lib/processes.ts'

const EVENTS = Number(process.env.BENCH_DASHBOARD_EVENTS ?? 20_000)
const LOADS = 9
const REALTIME_TRIALS = 5
const BUDGET = 150 * 1024
const REALTIME_TARGET_MS = 2000

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const max = (xs: number[]) => Math.max(...xs)

/** A page with no script or stylesheet: the browser's and the loopback's floor. */
const BASELINE_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title>
<link rel="icon" href="data:,"></head><body><h1>clickflow</h1><p id="n">283</p></body></html>`

async function sizes(adminUrl: string) {
  const html = await (await fetch(adminUrl)).text()
  const paths = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)
  const out = { js: { raw: 0, gzip: 0, br: 0 }, css: { raw: 0, gzip: 0, br: 0 } }
  for (const path of paths) {
    const kind = path.endsWith('.js') ? out.js : out.css
    for (const [enc, key] of [
      ['identity', 'raw'],
      ['gzip', 'gzip'],
      ['br', 'br'],
    ] as const) {
      const res = await fetch(`${adminUrl}${path}`, { headers: { 'accept-encoding': enc } })
      kind[key] += Number(res.headers.get('content-length'))
      await res.arrayBuffer()
    }
  }
  return out
}

const loadBefore = loadavg()[0]!
const dir = await mkdtemp(join(tmpdir(), 'clickflow-bench-dashboard-'))
const cf = await startClickflow(dir)
const adminUrl = cf.adminUrl.replace(/\/$/, '')
const baseline = createServer((_req, res) => {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(BASELINE_HTML),
  })
  res.end(BASELINE_HTML)
})
await new Promise<void>((r) => baseline.listen(0, '127.0.0.1', r))
const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`
const browser = await launchChromium()
try {
  const gen = await runCli(['generate', '--events', String(EVENTS), '--days', '30', '--into', dir])
  if (gen.code !== 0) throw new Error(`clickflow generate failed: ${gen.stderr}`)
  const deadline = Date.now() + 120_000
  while (Number((await sql(adminUrl, 'SELECT count(*) FROM events'))[0]?.[0]) < EVENTS) {
    if (Date.now() > deadline) throw new Error('the generated events did not reach the store in 120 s')
    await new Promise((r) => setTimeout(r, 100))
  }
  const bundle = await sizes(adminUrl)

  // Cold loads: a fresh context per load. Baseline and dashboard alternate so drift hits both.
  const cold: { nav: number; dcl: number; numbers: number; baseline: number }[] = []
  for (let i = 0; i < LOADS; i++) {
    const b = await browser.newContext()
    const bp = await b.newPage()
    await bp.goto(baselineUrl, { waitUntil: 'load' })
    const baseLoad = (await bp.evaluate(
      `performance.getEntriesByType('navigation')[0].loadEventEnd`,
    )) as number
    await b.close()

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    await page.goto(`${adminUrl}/?view=overview&period=30d`)
    await page.locator('[data-metric="visitors"] .stat-value').waitFor({ timeout: 60_000 })
    const numbers = (await page.evaluate('performance.now()')) as number
    const nav = (await page.evaluate(
      `(() => { const n = performance.getEntriesByType('navigation')[0]; return [n.loadEventEnd, n.domContentLoadedEventEnd] })()`,
    )) as [number, number]
    cold.push({ nav: nav[0], dcl: nav[1], numbers, baseline: baseLoad })
    await ctx.close()
    process.stderr.write(
      `load ${i + 1}: baseline ${fmt(baseLoad)} ms, dashboard load event ${fmt(nav[0])} ms, numbers ${fmt(numbers)} ms\n`,
    )
  }

  // Warm: the same context reloads; hashed assets come from the cache.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  await page.goto(`${adminUrl}/?view=overview&period=30d`)
  await page.locator('[data-metric="visitors"] .stat-value').waitFor()
  const warm: number[] = []
  for (let i = 0; i < LOADS; i++) {
    await page.reload()
    await page.locator('[data-metric="visitors"] .stat-value').waitFor()
    warm.push((await page.evaluate('performance.now()')) as number)
  }

  // Realtime: from the collector's 2xx to the new visitors on screen.
  await page.goto(`${adminUrl}/?view=realtime`)
  await page.locator('.live-dot.on').waitFor({ timeout: 30_000 })
  const realtime: number[] = []
  let realtimeError: string | null = null
  for (let i = 0; i < REALTIME_TRIALS; i++) {
    const before = Number(
      await page.locator('[data-metric="visitors_now"] .stat-value').getAttribute('data-value'),
    )
    const run = `${Date.now().toString(36)}-${i}`
    const res = await fetch(cf.collectUrl, {
      method: 'POST',
      // A browser's user agent: live metrics leave bots (Node's fetch is one) out.
      headers: {
        'content-type': 'application/json',
        'user-agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      },
      body: JSON.stringify({
        events: [
          { type: 'pageview', url: `https://shop.example.com/bench-${run}`, visitor_id: `bench-${run}` },
        ],
      }),
    })
    if (!res.ok) throw new Error(`the collector answered ${res.status}`)
    const t0 = performance.now()
    let moved = false
    while (performance.now() - t0 < 15_000) {
      const now = Number(
        await page.locator('[data-metric="visitors_now"] .stat-value').getAttribute('data-value'),
      )
      if (now > before) {
        moved = true
        break
      }
      await new Promise((r) => setTimeout(r, 10))
    }
    if (!moved) {
      realtimeError = 'visitors now did not move within 15 s'
      break
    }
    realtime.push(performance.now() - t0)
  }
  const loadAfter = loadavg()[0]!

  const pass = (ok: boolean) => (ok ? 'pass' : 'OVER BUDGET')
  const medBase = median(cold.map((c) => c.baseline))
  const medNumbers = median(cold.map((c) => c.numbers))
  const body = [
    `Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, clickflow ${revision() ?? 'unknown'}, ${machine()}, Debian Chromium headless, load average ${loadBefore.toFixed(1)} at start and ${loadAfter.toFixed(1)} at end. Run with \`npm run bench:dashboard\`.`,
    '',
    `Bundle as served at \`/assets/*\` (esbuild, minified; Preact, uPlot and the app; content-hashed names, cached for a year):`,
    '',
    '| asset | raw | gzip | brotli | budget |',
    '| --- | ---: | ---: | ---: | --- |',
    `| JavaScript | ${kb(bundle.js.raw)} | ${kb(bundle.js.gzip)} | ${kb(bundle.js.br)} | ${kb(BUDGET)} gzip: ${pass(bundle.js.gzip <= BUDGET)} (${fmt((bundle.js.gzip / BUDGET) * 100)}% used) |`,
    `| CSS | ${kb(bundle.css.raw)} | ${kb(bundle.css.gzip)} | ${kb(bundle.css.br)} | |`,
    '',
    `First load of the Overview (last 30 days of ${fmt(EVENTS)} generated events: headline numbers, time series, active users and 5 breakdown panels, 13 API requests; loopback, so no network time), ${LOADS} loads each in a fresh browser context (cold cache), times from navigation start. The baseline is a static HTML page with no script or stylesheet from a bare \`node:http\` server, loaded by the same browser alternately with the dashboard.`,
    '',
    '| what | median | max | ratio to the baseline (median) |',
    '| --- | ---: | ---: | ---: |',
    `| baseline: static page, load event | ${fmt(medBase, 1)} ms | ${fmt(max(cold.map((c) => c.baseline)), 1)} ms | 1.0 |`,
    `| dashboard: DOMContentLoaded (script parsed and run) | ${fmt(median(cold.map((c) => c.dcl)), 1)} ms | ${fmt(max(cold.map((c) => c.dcl)), 1)} ms | ${fmt(median(cold.map((c) => c.dcl)) / medBase, 1)} |`,
    `| dashboard: load event | ${fmt(median(cold.map((c) => c.nav)), 1)} ms | ${fmt(max(cold.map((c) => c.nav)), 1)} ms | ${fmt(median(cold.map((c) => c.nav)) / medBase, 1)} |`,
    `| dashboard: headline numbers on screen (API answered) | ${fmt(medNumbers, 1)} ms | ${fmt(max(cold.map((c) => c.numbers)), 1)} ms | ${fmt(medNumbers / medBase, 1)} |`,
    `| dashboard, warm reload: numbers on screen | ${fmt(median(warm), 1)} ms | ${fmt(max(warm), 1)} ms | ${fmt(median(warm) / medBase, 1)} |`,
    '',
    realtimeError
      ? `Realtime: not measured (${realtimeError}).`
      : `Realtime: from the collector's 2xx to "visitors now" moving on the open Realtime page, ${REALTIME_TRIALS} events one after the other: median ${fmt(median(realtime))} ms, max ${fmt(max(realtime))} ms (target ${fmt(REALTIME_TARGET_MS)} ms: ${max(realtime) <= REALTIME_TARGET_MS ? 'pass' : 'ABOVE TARGET'}). The live stream pushes new events within 200 ms of the live sink counting them (at least every second), so up to 200 ms of it is the push pacing.`,
  ]
  process.stdout.write(`${body.join('\n')}\n`)
  writeSection('dashboard', 'Dashboard', body.join('\n'))
} finally {
  await browser.close()
  baseline.close()
  await stopServer(cf.server)
  await rm(dir, { recursive: true, force: true })
}
