// End to end in a real Chromium: a test site on its own origin loads the tag from the real clickflow
// CLI (so every request is cross-origin, with credentials); page views, SPA navigation, custom and
// queued events, engaged time sent on hide and on leaving, identify, autocapture and consent all land
// in the store with Divolte-style ids, and the cookies carry the right attributes. Cookieless mode
// sets no cookie (the collector derives the visitor), DNT/GPC stops everything, https adds Secure.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, Cookie, Page } from 'playwright-core'
import { chromiumSkip, launchChromium } from '../helpers/browser.ts'
import {
  type Clickflow,
  killAll,
  pollUntil,
  post,
  sql,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'

// The browser globals the page.evaluate callbacks below use: this file compiles without the DOM lib.
interface ClickflowApi {
  track(name: string, props?: Record<string, unknown>): void
  signal(name: string, props?: Record<string, unknown>): void
  identify(userId: string | null, traits?: Record<string, unknown>): void
  consent(granted: boolean): void
}
declare const window: { clickflow?: ClickflowApi; cookieWrites?: string[] }
declare const document: {
  querySelector(selector: string): { setAttribute(name: string, value: string): void }
  dispatchEvent(event: Event): boolean
}
declare const history: {
  pushState(data: unknown, unused: string, url: string): void
  replaceState(data: unknown, unused: string, url: string): void
}

/** How long an event may take from the browser to a query answer. */
const ARRIVAL_MS = 20_000
const TWO_YEARS_S = 2 * 365 * 24 * 3600
/** Chromium (like RFC 6265bis) keeps no cookie longer than 400 days, whatever it was asked for. */
const BROWSER_CAP_S = 400 * 24 * 3600
/** Records each string the page writes to document.cookie, so the tag's own request can be checked. */
const RECORD_COOKIE_WRITES = `{
  const real = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  window.cookieWrites = [];
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { return real.get.call(this) },
    set(v) { window.cookieWrites.push(v); real.set.call(this, v) },
  });
}`

interface Row {
  event_id: string
  event_type: string
  event_name: string | null
  visitor_id: string | null
  session_id: string | null
  page_view_id: string | null
  user_id: string | null
  page_path: string | null
  referrer: string | null
  utm_source: string | null
  props: Record<string, unknown> | null
}

const COLUMNS =
  'event_id, event_type, event_name, visitor_id, session_id, page_view_id, user_id, page_path, referrer, utm_source, CAST(props AS VARCHAR)'

async function rows(cf: Clickflow, site: string): Promise<Row[]> {
  const result = await sql(
    cf.adminUrl,
    `SELECT ${COLUMNS} FROM events WHERE site = '${site}' ORDER BY event_time, received_at`,
  )
  return result.map((r) => {
    const [
      event_id,
      event_type,
      event_name,
      visitor_id,
      session_id,
      page_view_id,
      user_id,
      page_path,
      referrer,
      utm_source,
      props,
    ] = r as (string | null)[]
    return {
      event_id: event_id!,
      event_type: event_type!,
      event_name: event_name ?? null,
      visitor_id: visitor_id ?? null,
      session_id: session_id ?? null,
      page_view_id: page_view_id ?? null,
      user_id: user_id ?? null,
      page_path: page_path ?? null,
      referrer: referrer ?? null,
      utm_source: utm_source ?? null,
      props: props ? (JSON.parse(props) as Record<string, unknown>) : null,
    }
  })
}

/** Polls until `site` has rows that `ready` accepts; fails with what did arrive. */
async function waitFor(
  cf: Clickflow,
  site: string,
  ready: (r: Row[]) => boolean,
  what: string,
): Promise<Row[]> {
  let last: Row[] = []
  const ok = await pollUntil(async () => {
    last = await rows(cf, site)
    return ready(last)
  }, ARRIVAL_MS)
  const seen = last.map(
    (e) => `${e.event_type} ${e.event_name ?? ''} ${e.page_path} ${JSON.stringify(e.props)}`,
  )
  assert.ok(ok, `${what} did not arrive; ${site} has:\n${seen.join('\n')}`)
  return last
}

const named = (r: Row[], name: string) => r.filter((e) => e.event_name === name)
const typed = (r: Row[], type: string) => r.filter((e) => e.event_type === type)

/** The test site: pages that load the tag from the collector with the given data- attributes. */
function page(tagUrl: string, attributes: string, title: string, snippet = ''): string {
  return `<!doctype html><html><head><title>${title}</title>
<script>window.clickflow=window.clickflow||function(){(clickflow.q=clickflow.q||[]).push(arguments)};${snippet}</script>
<script defer src="${tagUrl}" ${attributes}></script></head>
<body><button id="signup" data-clickflow-event="signup" data-clickflow-prop-plan="pro">Sign up</button>
<a id="out" href="/placeholder">elsewhere</a></body></html>`
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )
}

/**
 * Hides the page, or shows it again, as a tab switch would: headless Chromium never hides a page by
 * itself. Showing removes the stand-in properties, so the browser's own state (hidden on unload)
 * is what the tag sees afterwards.
 */
function setHidden(p: Page, hidden: boolean): Promise<void> {
  return p.evaluate((h) => {
    if (h) {
      Object.defineProperty(document, 'hidden', { value: true, configurable: true })
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
    } else {
      delete (document as { hidden?: boolean }).hidden
      delete (document as { visibilityState?: string }).visibilityState
    }
    // The browser's own visibilitychange bubbles (HTML "update the visibility state").
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }))
  }, hidden)
}

async function tagReady(p: Page): Promise<void> {
  await p.waitForFunction(() => typeof window.clickflow?.track === 'function')
}

function cookie(cookies: Cookie[], name: string): Cookie {
  const c = cookies.find((x) => x.name === name)
  assert.ok(c, `cookie ${name} is missing; have ${cookies.map((x) => x.name).join(', ')}`)
  return c
}

describe('browser tag in Chromium', { skip: chromiumSkip() }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow
  let browser: Browser
  let site: Server
  let siteUrl: string
  let collector: string

  before(async () => {
    dir = await tempDir('clickflow-tag-e2e-')
    cf = await start(dir.path)
    collector = new URL(cf.collectUrl).origin
    site = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://site').pathname
      const tag = `${collector}/tag.js`
      let html: string
      if (path.startsWith('/app'))
        html = page(
          tag,
          'data-site="spa" data-autocapture',
          `App ${path}`,
          "clickflow('track','queued',{early:true})",
        )
      else if (path === '/cookieless')
        // The neutral path serves the same tag.
        html = page(`${collector}/js/script.js`, 'data-site="cookieless" data-cookieless', 'No cookies')
      else if (path === '/dnt') html = page(tag, 'data-site="dnt" data-respect-dnt', 'DNT')
      else if (path === '/retry') html = page(tag, 'data-site="retry"', 'Retry')
      else html = '<!doctype html><title>Elsewhere</title><p>not tracked'
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(html)
    })
    siteUrl = await listen(site)
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    site?.close()
    await killAll()
    await dir?.remove()
  })

  test('page views, SPA navigation, events, engagement, identify, autocapture, consent', async () => {
    const context = await browser.newContext()
    await context.addInitScript(RECORD_COOKIE_WRITES)
    const p = await context.newPage()
    await p.goto(`${siteUrl}/app?utm_source=news`)
    await tagReady(p)
    // The outbound link leaves the site's host (localhost is another host than 127.0.0.1).
    const outbound = siteUrl.replace('127.0.0.1', 'localhost') + '/elsewhere'
    await p.evaluate((href) => document.querySelector('#out').setAttribute('href', href), outbound)

    await p.waitForTimeout(30) // engaged time on the first page
    await p.evaluate(() => history.pushState({}, '', '/app/two'))
    await p.waitForTimeout(30)
    await p.evaluate(() => history.replaceState({}, '', '/app/three'))
    // The same URL again is not a new page view.
    await p.evaluate(() => history.pushState({}, '', '/app/three'))
    await p.evaluate(() => window.clickflow!.track('added_to_cart', { sku: 'A1', price: 9.5 }))
    await p.waitForTimeout(30)
    await setHidden(p, true)
    await waitFor(cf, 'spa', (r) => typed(r, 'engagement').length >= 3, 'engagement sent on hide')
    await setHidden(p, false)
    await p.evaluate(() => window.clickflow!.identify('user-42', { plan: 'pro' }))
    await p.evaluate(() => window.clickflow!.signal('after_identify'))
    await p.click('#signup')

    const cookieWrites = await p.evaluate(() => window.cookieWrites!)
    // Leaving by an outbound link: the click and the last engaged time go out by sendBeacon on unload.
    await p.click('#out')
    await p.waitForURL(outbound)
    const r = await waitFor(
      cf,
      'spa',
      (r) =>
        named(r, 'outbound_link').length === 1 &&
        named(r, 'signup').length === 1 &&
        typed(r, 'engagement').length >= 4,
      'outbound click and engagement on leaving',
    )

    const views = typed(r, 'pageview')
    assert.deepEqual(
      views.map((v) => v.page_path),
      ['/app', '/app/two', '/app/three'],
    )
    assert.equal(views[0]!.utm_source, 'news')
    assert.equal(views[0]!.referrer, null)
    // After an in-app navigation the previous page is the referrer.
    assert.equal(views[1]!.referrer, `${siteUrl}/app?utm_source=news`)
    assert.equal(views[2]!.referrer, `${siteUrl}/app/two`)

    // One visitor and one session; distinct page views; every event belongs to one of them.
    const visitor = views[0]!.visitor_id
    assert.ok(visitor && views[0]!.session_id)
    for (const e of r) {
      assert.equal(e.visitor_id, visitor, `visitor of ${e.event_type} ${e.event_name}`)
      assert.equal(e.session_id, views[0]!.session_id)
    }
    const pageViews = views.map((v) => v.page_view_id)
    assert.equal(new Set(pageViews).size, 3)
    for (const e of r) assert.ok(pageViews.includes(e.page_view_id), `page view of ${e.event_type}`)
    assert.equal(new Set(r.map((e) => e.event_id)).size, r.length, 'event ids are unique')

    // The call queued before the tag loaded belongs to the first page view.
    assert.deepEqual(named(r, 'queued')[0]!.props, { early: true })
    assert.equal(named(r, 'queued')[0]!.page_view_id, pageViews[0])
    const cart = named(r, 'added_to_cart')[0]!
    assert.deepEqual(cart.props, { sku: 'A1', price: 9.5 })
    assert.equal(cart.page_view_id, pageViews[2])

    // Engaged time: reported per page view on navigation, on hide and on leaving.
    const engaged = typed(r, 'engagement')
    for (const e of engaged) assert.ok(Number(e.props?.engaged_ms) > 0, JSON.stringify(e.props))
    // Two navigations, the hide, and leaving (the third page view was visible again in between).
    assert.deepEqual(
      engaged.map((e) => e.page_view_id),
      [...pageViews, pageViews[2]],
    )

    const identify = typed(r, 'identify')[0]!
    assert.equal(identify.user_id, 'user-42')
    assert.deepEqual(identify.props, { plan: 'pro' })
    assert.equal(named(r, 'after_identify')[0]!.user_id, 'user-42')
    assert.deepEqual(named(r, 'signup')[0]!.props, { plan: 'pro' })
    assert.equal(named(r, 'outbound_link')[0]!.props?.url, outbound)

    // The cookies: first-party, SameSite=Lax, not Secure on http; the visitor's is asked to live two
    // years (Chromium keeps it 400 days, renewed at every event), the session's 30 minutes.
    assert.ok(
      cookieWrites.includes(`clickflow_vid=${visitor};path=/;max-age=${TWO_YEARS_S};SameSite=Lax`),
      cookieWrites.join('\n'),
    )
    assert.ok(cookieWrites.includes(`clickflow_sid=${views[0]!.session_id};path=/;max-age=1800;SameSite=Lax`))
    const cookies = await context.cookies(siteUrl)
    const nowS = Date.now() / 1000
    const vid = cookie(cookies, 'clickflow_vid')
    assert.equal(vid.value, visitor)
    assert.equal(vid.sameSite, 'Lax')
    assert.equal(vid.secure, false)
    assert.equal(vid.httpOnly, false)
    assert.equal(vid.path, '/')
    assert.equal(vid.domain, '127.0.0.1')
    const kept = Math.min(TWO_YEARS_S, BROWSER_CAP_S)
    assert.ok(Math.abs(vid.expires - (nowS + kept)) < 120, `visitor cookie expires ${vid.expires}`)
    const sid = cookie(cookies, 'clickflow_sid')
    assert.equal(sid.sameSite, 'Lax')
    assert.ok(Math.abs(sid.expires - (nowS + 1800)) < 120, `session cookie expires ${sid.expires}`)

    // A new page load keeps visitor and session (the cookies), with a new page view.
    const again = await context.newPage()
    await again.goto(`${siteUrl}/app/again`)
    await tagReady(again)
    const reload = await waitFor(
      cf,
      'spa',
      (rs) => rs.some((e) => e.page_path === '/app/again' && e.event_type === 'pageview'),
      'page view after reload',
    )
    const view4 = reload.find((e) => e.page_path === '/app/again' && e.event_type === 'pageview')!
    assert.equal(view4.visitor_id, visitor)
    assert.equal(view4.session_id, views[0]!.session_id)
    assert.ok(!pageViews.includes(view4.page_view_id))

    // Consent withdrawn: the cookies go, and nothing more is sent (not events, navigation or engaged time).
    await again.evaluate(() => window.clickflow!.consent(false))
    assert.deepEqual(
      (await context.cookies(siteUrl)).filter((c) => c.name.startsWith('clickflow_')),
      [],
    )
    await again.evaluate(() => window.clickflow!.track('after_consent_off'))
    await again.evaluate(() => history.pushState({}, '', '/app/private'))
    await again.waitForTimeout(20)
    await setHidden(again, true)
    await setHidden(again, false)
    assert.deepEqual(
      (await context.cookies(siteUrl)).filter((c) => c.name.startsWith('clickflow_')),
      [],
    )
    // Consent given again: the current page is reported, under a new visitor (the old cookie is gone).
    await again.waitForTimeout(1500) // well past the tag's 300 ms batching: anything sent would be out
    await again.evaluate(() => window.clickflow!.consent(true))
    const resumed = await waitFor(
      cf,
      'spa',
      (rs) => rs.some((e) => e.page_path === '/app/private'),
      'page view after consent(true)',
    )
    const after = resumed.filter((e) => e.page_path === '/app/private')
    assert.deepEqual(
      after.map((e) => e.event_type),
      ['pageview'],
    )
    assert.notEqual(after[0]!.visitor_id, visitor)
    assert.equal(named(resumed, 'after_consent_off').length, 0)
    // The /app/again page view's engaged time accrued after consent was withdrawn: none is sent.
    assert.deepEqual(
      typed(resumed, 'engagement').filter((e) => e.page_view_id === view4.page_view_id),
      [],
    )
    assert.equal(cookie(await context.cookies(siteUrl), 'clickflow_vid').value, after[0]!.visitor_id)
    await context.close()
  })

  test('cookieless mode sets no cookie; the collector derives the visitor', async () => {
    const context = await browser.newContext()
    const p = await context.newPage()
    await p.goto(`${siteUrl}/cookieless`)
    await tagReady(p)
    await p.evaluate(() => window.clickflow!.track('cookieless_click', { n: 1 }))
    const r = await waitFor(
      cf,
      'cookieless',
      (rs) => rs.length >= 2 && named(rs, 'cookieless_click').length === 1,
      'cookieless events',
    )
    assert.deepEqual(await context.cookies(), [])
    const visitor = r[0]!.visitor_id
    assert.ok(visitor, 'a server-derived visitor id')
    for (const e of r) {
      assert.equal(e.visitor_id, visitor)
      assert.equal(e.session_id, null)
    }
    await context.close()
  })

  test('with data-respect-dnt, Global Privacy Control stops the tag, even after consent(true)', async () => {
    const context = await browser.newContext()
    // As text: tsx names the functions it compiles (__name), which the page does not have.
    await context.addInitScript(
      "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get() { return true } })",
    )
    const p = await context.newPage()
    await p.goto(`${siteUrl}/dnt`)
    await tagReady(p)
    await p.evaluate(() => {
      window.clickflow!.consent(true)
      window.clickflow!.track('should_not_arrive')
    })
    await setHidden(p, true)
    await p.waitForTimeout(1500) // past the batching delay: anything sent would be out
    // A marker sent after everything the page could have sent: once it is stored, so would those be.
    const marker = await post(cf.collectUrl, { events: [{ type: 'track', name: 'marker', site: 'dnt' }] })
    assert.equal(marker.status, 200)
    const r = await waitFor(cf, 'dnt', (rs) => named(rs, 'marker').length === 1, 'the marker')
    assert.deepEqual(
      r.map((e) => e.event_name),
      ['marker'],
    )
    assert.deepEqual(await context.cookies(), [])
    await context.close()
  })

  test('a batch refused with 503, then lost to the network, is sent again with the same event ids', async () => {
    const context = await browser.newContext()
    const bodies: string[] = []
    await context.route(cf.collectUrl, async (route) => {
      const request = route.request()
      if (request.method() !== 'POST') return route.continue()
      bodies.push(request.postData() ?? '')
      if (bodies.length === 1) {
        // The collector's overload answer, readable cross-origin so the tag sees the status.
        return route.fulfill({
          status: 503,
          headers: {
            'retry-after': '1',
            'access-control-allow-origin': siteUrl,
            'access-control-allow-credentials': 'true',
          },
          contentType: 'application/json',
          body: '{"code":"overloaded","message":"retry later"}',
        })
      }
      if (bodies.length === 2) return route.abort('failed')
      return route.continue()
    })
    const p = await context.newPage()
    await p.goto(`${siteUrl}/retry`)
    await tagReady(p)
    const r = await waitFor(cf, 'retry', (rs) => rs.length === 1, 'the page view, after two failed tries')
    assert.ok(bodies.length >= 3, `${bodies.length} tries`)
    const ids = bodies
      .slice(0, 3)
      .map((b) => (JSON.parse(b) as { events: { event_id: string }[] }).events[0]!.event_id)
    assert.deepEqual(ids, [r[0]!.event_id, r[0]!.event_id, r[0]!.event_id])
    await context.close()
  })

  test('on https the cookies are Secure', async () => {
    const context = await browser.newContext()
    // An https origin without certificates: Playwright answers for it, passing the tag and the
    // events through to the real collector.
    await context.route('https://shop.test/**', async (route) => {
      const url = new URL(route.request().url())
      if (url.pathname === '/tag.js' || url.pathname === '/collect') {
        const upstream = await route.fetch({ url: `${collector}${url.pathname}` })
        await route.fulfill({ response: upstream })
      } else {
        await route.fulfill({
          contentType: 'text/html',
          body: page('https://shop.test/tag.js', 'data-site="https"', 'Secure shop'),
        })
      }
    })
    const p = await context.newPage()
    await p.goto('https://shop.test/')
    await tagReady(p)
    const r = await waitFor(cf, 'https', (rs) => typed(rs, 'pageview').length === 1, 'https page view')
    const vid = cookie(await context.cookies('https://shop.test'), 'clickflow_vid')
    assert.equal(vid.secure, true)
    assert.equal(vid.sameSite, 'Lax')
    assert.equal(vid.value, r[0]!.visitor_id)
    await context.close()
  })
})
