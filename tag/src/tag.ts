// The clickflow browser tag: page views (and single-page-app navigation), custom events, identify,
// engaged time per page, opt-in click autocapture, batching with retry, consent and DNT/GPC switches.
// No dependencies; tag/build.ts minifies it and a test holds it to 1.5 KB gzipped, so code here is
// written for size: every byte ships on every page of every site that uses it.

/** The collector's batch path, set at build time from its `collect_path`. */
declare const __COLLECT_PATH__: string

type Props = Record<string, unknown>
/** One event as `POST /collect` takes it (fields left undefined are dropped by JSON.stringify). */
interface Wire {
  type: string
  event_id: string
  name?: string | undefined
  url: string
  referrer?: string | undefined
  title: string
  site: string | undefined
  visitor_id?: string
  session_id?: string
  page_view_id: string
  user_id: string | null | undefined
  timestamp: number
  props?: Props | undefined
}
interface Snippet {
  (method: string, ...args: unknown[]): void
  /** Calls made through the loading snippet before this script ran. */
  q?: (ArrayLike<unknown> & Iterable<unknown>)[]
  /** Set once the tag itself runs. */
  track?: unknown
}

const w = window as unknown as { clickflow?: Snippet }
const d = document
const nav = navigator as Navigator & { globalPrivacyControl?: boolean }
const loc = location
const now = Date.now
const script = d.currentScript as HTMLScriptElement
// Settings are the script's data- attributes; boolean ones are on when present, as HTML's are.
const data = script.dataset
// fetch and sendBeacon take a URL object as it is.
const endpoint = data.endpoint || new URL(__COLLECT_PATH__, script.src)
const hashNav = 'hash' in data
// Do-Not-Track and Global Privacy Control are honoured only when the site asks for it; then they win
// over consent(true), since they are the visitor's own standing choice.
const blocked = 'respectDnt' in data && (nav.doNotTrack === '1' || nav.globalPrivacyControl)
let on = !blocked

/** 128 random bits as four numbers; crypto.getRandomValues, unlike randomUUID, works on plain http. */
const random = () => crypto.getRandomValues(new Uint32Array(4)).join('-')

function setCookie(name: string, value: string, maxAgeS: number): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and missing in older Safari and Firefox
  d.cookie =
    `${name}=${value};path=/;max-age=${maxAgeS};SameSite=Lax` + (loc.protocol === 'https:' ? ';Secure' : '')
}

/**
 * The visitor id (2 years) and session id (30 minutes), read from their cookies on every event, so
 * other tabs and expiry are seen, and renewed: a session ends after 30 minutes without events.
 */
function ids(): Partial<Wire> {
  if ('cookieless' in data) return {}
  const jar = (name: string) => d.cookie.match('(^|; )' + name + '=([^;]+)')?.[2] || random()
  const visitor_id = jar('clickflow_vid')
  const session_id = jar('clickflow_sid')
  setCookie('clickflow_vid', visitor_id, 63072000)
  setCookie('clickflow_sid', session_id, 1800)
  return { visitor_id, session_id }
}

let user: string | null | undefined
/** Current page view: its id, URL, referrer, comparison key; `viewed` is the id last reported. */
let view = ''
let page = ''
let referrer = ''
let key: string | undefined
let viewed = ''
let count = 0

let queue: Wire[] = []
let timer = 0
let busy = false
let failures = 0

function emit(type: string, fields?: Partial<Wire>): void {
  if (!on) return
  // Event ids are the page view id and a counter (Divolte's scheme): unique while page view ids are.
  queue.push({
    type,
    event_id: view + ':' + count++,
    url: page,
    title: d.title,
    site: data.site,
    page_view_id: view,
    user_id: user,
    timestamp: now(),
    ...ids(),
    ...fields,
  })
  // A collector that stays down must not grow memory without bound: keep the newest events.
  if (queue.length > 500) queue.shift()
  schedule()
}

function schedule(): void {
  // A short wait batches what a click produces; after failures it backs off exponentially with
  // "full jitter" (a random wait below the cap), so browsers do not return to a recovering collector
  // together.
  if (!timer && !busy && queue.length)
    timer = setTimeout(flush, failures ? Math.random() * (1e3 << failures) : 300)
}

/** Sends the queue: normally one request at a time; with `leaving`, all of it by sendBeacon. */
function flush(leaving?: boolean): void {
  clearTimeout(timer)
  timer = 0
  while (queue.length && (leaving || !busy)) {
    const batch = queue.splice(0, 20)
    // A string body is sent as text/plain: a CORS "simple" request, so no preflight is needed.
    const body = JSON.stringify({ events: batch, sent_at: now() })
    if (leaving && nav.sendBeacon(endpoint, body)) continue
    busy = true
    fetch(endpoint, { method: 'POST', body, keepalive: true, credentials: 'include' })
      // 429 and 5xx (503 under overload) are worth retrying; any other 4xx never will succeed.
      .then(
        (res) => res.status < 500 && res.status !== 429,
        () => false,
      )
      .then((delivered) => {
        busy = false
        if (delivered) failures = 0
        else {
          // Same event ids on retry: the collector flags a batch that did arrive as duplicates.
          if (on) queue.unshift(...batch)
          // The cap grows to about a minute (1 s << 6) and stays there.
          if (failures < 6) failures++
        }
        schedule()
      })
  }
}

// Engaged time: milliseconds the current page view was visible, reported when it is hidden or left.
let visibleSince = 0
const visible = () => !d.hidden
/** Reports the time visible since the last report (the store sums them per page view). */
function engagement(): void {
  const t = now()
  const engaged_ms = visibleSince && t - visibleSince
  visibleSince = visible() ? t : 0
  if (engaged_ms) emit('engagement', { props: { engaged_ms } })
}

/** Reports the current page view, once, and only while sending is on. */
function pageview(): void {
  if (on && viewed !== view) {
    viewed = view
    emit('pageview', { referrer })
  }
}

/** Moves to a new page view when the URL changed (ignoring the hash unless data-hash is set). */
function enter(): boolean {
  const k = hashNav ? loc.href : loc.href.split('#')[0]
  if (k === key) return false
  // The page being left reports its engaged time (none before the first page view).
  engagement()
  // After an in-app navigation the previous page is the referrer, as a full page load would say.
  referrer = key ? page : d.referrer
  key = k
  page = loc.href
  view = random()
  return true
}

function navigate(): void {
  if (enter()) pageview()
}

function track(name: string, props?: Props): void {
  emit('track', { name, props })
}

const api = {
  track,
  signal: track,
  identify(userId: string | null, traits?: Props): void {
    user = userId
    if (userId) emit('identify', { props: traits })
  },
  consent(granted: boolean): void {
    on = !blocked && granted
    if (on) {
      // Consent given after the page loaded: this page view was not reported yet.
      pageview()
    } else {
      queue = []
      setCookie('clickflow_vid', '', 0)
      setCookie('clickflow_sid', '', 0)
    }
  },
}
type Method = (...args: unknown[]) => void

function start(): void {
  const snippet = w.clickflow
  // Included twice: the first copy already runs.
  if (snippet?.track) return
  const queued = snippet?.q ?? []
  const clickflow = Object.assign(
    (method: string, ...args: unknown[]) => (api as unknown as Record<string, Method>)[method]?.(...args),
    api,
  )
  w.clickflow = clickflow
  // Queued consent calls run before the first page view, which they govern; the other queued calls
  // after it, so that their events follow the page view they belong to.
  const replay = (consent: boolean) => {
    for (const args of queued) if ((args[0] === 'consent') === consent) clickflow(...(args as [string]))
  }
  enter()
  replay(true)
  pageview()
  replay(false)

  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args)
      navigate()
    }
  }
  addEventListener('popstate', navigate)
  if (hashNav) addEventListener('hashchange', navigate)
  // Hidden covers leaving too: current browsers fire visibilitychange (hidden) right after pagehide
  // when a page is left. It and click bubble up to window, so every listener sits there.
  addEventListener('visibilitychange', () => {
    if (visible()) visibleSince = now()
    else {
      engagement()
      flush(true)
    }
  })

  if ('autocapture' in data)
    for (const type of ['click', 'auxclick'])
      addEventListener(
        type,
        (e) => {
          // Left and middle clicks only; capture phase, so a handler that stops propagation hides nothing.
          const el =
            (e as MouseEvent).button < 2 && (e.target as Element).closest?.('[data-clickflow-event],a[href]')
          if (!el) return
          const props: Props = {}
          for (const a of el.attributes)
            if (a.name.startsWith('data-clickflow-prop-')) props[a.name.slice(20)] = a.value
          const name = (el as HTMLElement).dataset.clickflowEvent
          const link = el as HTMLAnchorElement
          if (name) track(name, props)
          else if (link.host && link.host !== loc.host) track('outbound_link', { ...props, url: link.href })
        },
        true,
      )
}
// A prerendered page is not a page view until the visitor actually sees it (activation happens once).
if ((d as Document & { prerendering?: boolean }).prerendering) d.addEventListener('prerenderingchange', start)
else start()
