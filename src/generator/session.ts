// One visit of one visitor: the pages they see, minutes apart, and what they do there (view a
// product, add it to the cart, buy, search, sign up, read the blog), with the engaged time reported
// as they leave each page, the way the browser tag reports it. Bots crawl pages and do nothing else.
import type { JsonValue } from '../core/event.ts'
import { CATEGORIES, POSTS, PRODUCTS, SEARCHES } from './catalog.ts'
import { type Random, Weighted, zipfWeights } from './random.ts'
import type { Arrival, Visitor } from './visitors.ts'

/** A generated event, before it is written in one of the output shapes. */
export interface GenEvent {
  type: 'pageview' | 'track' | 'identify' | 'engagement'
  name: string | null
  /** Epoch ms. */
  time: number
  event_id: string
  site: string
  url: string
  title: string
  referrer: string | null
  visitor_id: string
  session_id: string
  user_id: string | null
  page_view_id: string
  props: { [key: string]: JsonValue } | null
  visitor: Visitor
}

/** Gaps between pages stay far below the 30-minute session timeout. */
const MAX_GAP_MS = 20 * 60_000
const productPick = new Weighted(PRODUCTS, zipfWeights(PRODUCTS.length, 0.9))
const postPick = new Weighted(POSTS, zipfWeights(POSTS.length, 0.8))

interface Page {
  readonly path: string
  readonly title: string
  readonly product?: (typeof PRODUCTS)[number]
}

const HOME: Page = { path: '/', title: 'Summit Outfitters' }
const page = {
  product: (rng: Random): Page => {
    const p = productPick.draw(rng)
    return { path: `/products/${p.slug}`, title: `${p.title} | Summit Outfitters`, product: p }
  },
  post: (rng: Random): Page => {
    const p = postPick.draw(rng)
    return { path: `/blog/${p}`, title: `${p.replaceAll('-', ' ')} | Summit Journal` }
  },
  category: (rng: Random): Page => {
    const c = rng.pick(CATEGORIES)
    return { path: `/category/${c}`, title: `${c[0]!.toUpperCase()}${c.slice(1)} | Summit Outfitters` }
  },
  search: (rng: Random): Page => {
    const q = rng.pick(SEARCHES)
    return { path: `/search?q=${encodeURIComponent(q)}`, title: `Search: ${q} | Summit Outfitters` }
  },
}
const STATIC_PAGES: readonly Page[] = [
  { path: '/about', title: 'About us | Summit Outfitters' },
  { path: '/shipping', title: 'Shipping and returns | Summit Outfitters' },
  { path: '/contact', title: 'Contact | Summit Outfitters' },
  { path: '/blog', title: 'Summit Journal' },
]

/** The page a visit starts on, by how the visitor arrived. */
function landing(rng: Random, arrival: Arrival): Page {
  const x = rng.float()
  switch (arrival.channel) {
    case 'paid':
      return x < 0.8 ? page.product(rng) : page.category(rng)
    case 'search':
      return x < 0.4 ? page.product(rng) : x < 0.7 ? page.post(rng) : x < 0.85 ? page.category(rng) : HOME
    case 'social':
    case 'referral':
      return x < 0.5 ? page.post(rng) : x < 0.8 ? page.product(rng) : HOME
    case 'email':
      return x < 0.6 ? page.category(rng) : HOME
    default:
      return x < 0.65 ? HOME : x < 0.85 ? page.product(rng) : page.category(rng)
  }
}

/** The next page of a human visit, from where they are. */
function nextPage(rng: Random, from: Page): Page {
  const x = rng.float()
  if (from.path.startsWith('/blog/'))
    return x < 0.45 ? page.product(rng) : x < 0.75 ? page.post(rng) : x < 0.9 ? HOME : page.category(rng)
  if (x < 0.45) return page.product(rng)
  if (x < 0.65) return page.category(rng)
  if (x < 0.73) return page.search(rng)
  if (x < 0.83) return page.post(rng)
  if (x < 0.9) return HOME
  return rng.pick(STATIC_PAGES)
}

/** Builds the events of one session. Times are offsets from `start`; the caller may squeeze them. */
export class SessionBuilder {
  private events: GenEvent[] = []
  private t = 0
  private pageViewId = ''
  private counter = 0
  private current: Page = HOME
  private currentUrl = ''
  private referrer: string | null = null
  private sessionId = ''
  private userId: string | null = null

  constructor(
    private readonly rng: Random,
    private readonly origin: (site: string) => string,
  ) {}

  /** All events of a visit starting at `start` (epoch ms), oldest first. */
  build(visitor: Visitor, start: number, arrival: Arrival): GenEvent[] {
    const rng = this.rng
    this.events = []
    this.t = start
    this.sessionId = rng.id()
    this.userId = visitor.userId
    this.referrer = arrival.referrer
    if (visitor.bot) return this.crawl(visitor)

    // Bounces: one page and gone, a little less often for returning visitors.
    const bounce = rng.chance(visitor.sessions > 1 ? 0.36 : 0.45)
    let pages = bounce ? 1 : 2 + Math.floor(rng.exp(4))
    let cart = false
    this.view(visitor, landing(rng, arrival), arrival.query)
    // A known user's visit says who they are once it starts (the site calls identify on load).
    if (this.userId !== null) this.identify(visitor, { plan: visitor.plan })
    while (true) {
      const here = this.current
      if (here.product) {
        this.track(
          visitor,
          'view_product',
          { product_id: here.product.slug, price: here.product.price },
          2_000,
        )
        if (rng.chance(0.2)) {
          this.track(
            visitor,
            'add_to_cart',
            { product_id: here.product.slug, price: here.product.price, quantity: 1 + rng.int(2) },
            10_000 + rng.exp(40_000),
          )
          cart = true
          if (pages < 3) pages = 3
        }
      } else if (here.path.startsWith('/search')) {
        this.track(visitor, 'search', { query: decodeURIComponent(here.path.slice(10)) }, 1_000)
      }
      pages--
      if (pages <= 0) break
      // With something in the cart, many go on to check out; fewer finish.
      if (cart && rng.chance(0.4)) {
        this.checkout(visitor)
        break
      }
      if (this.userId === null && rng.chance(0.025)) {
        this.signUp(visitor)
        continue
      }
      this.view(visitor, nextPage(rng, here), null)
    }
    this.leave(visitor)
    return this.events
  }

  private crawl(visitor: Visitor): GenEvent[] {
    const pages = 3 + this.rng.int(10)
    this.view(visitor, this.rng.chance(0.5) ? HOME : page.product(this.rng), null)
    for (let i = 1; i < pages; i++) {
      this.t += 1_000 + this.rng.exp(8_000)
      this.view(visitor, this.rng.chance(0.5) ? page.product(this.rng) : page.post(this.rng), null, false)
    }
    return this.events
  }

  /** Cart, checkout, purchase, with drop-off at each; the caller's `leave` ends the visit. */
  private checkout(visitor: Visitor): void {
    const rng = this.rng
    this.view(visitor, { path: '/cart', title: 'Your cart | Summit Outfitters' }, null)
    if (!rng.chance(0.7)) return
    this.view(visitor, { path: '/checkout', title: 'Checkout | Summit Outfitters' }, null)
    if (!rng.chance(0.6)) return
    this.view(visitor, { path: '/checkout/complete', title: 'Thank you | Summit Outfitters' }, null)
    const items = 1 + rng.int(3)
    const revenue = Math.round((30 + rng.exp(90)) * items * 100) / 100
    this.track(visitor, 'purchase', { order_id: `o-${rng.hex(10)}`, revenue, currency: 'EUR', items }, 1_500)
    this.leave(visitor)
  }

  private signUp(visitor: Visitor): void {
    this.view(visitor, { path: '/signup', title: 'Create your account | Summit Outfitters' }, null)
    visitor.userId = `u-${this.rng.hex(12)}`
    visitor.plan = this.rng.chance(0.2) ? 'member_plus' : 'member'
    this.track(visitor, 'sign_up', { plan: visitor.plan }, 30_000 + this.rng.exp(30_000))
    this.userId = visitor.userId
    this.identify(visitor, { plan: visitor.plan })
  }

  /** A page view; the previous page (if any) first reports its engaged time. */
  private view(visitor: Visitor, p: Page, query: string | null, human = true): void {
    const rng = this.rng
    if (this.pageViewId !== '' && this.events.length > 0) {
      // Reading time on the page being left, then the click to the next one.
      const dwell = Math.min(MAX_GAP_MS, rng.logNormal(30_000, 0.9))
      if (human) this.engagement(visitor, dwell * (0.5 + rng.float() * 0.5))
      this.t += dwell
    }
    const prevUrl = this.events.length > 0 ? this.currentUrl : null
    this.current = p
    this.pageViewId = this.rng.id()
    this.counter = 0
    this.currentUrl = this.urlOf(visitor, p, query)
    this.push(visitor, 'pageview', null, null, this.currentUrl, prevUrl ?? this.referrer)
  }

  private urlOf(visitor: Visitor, p: Page, query: string | null): string {
    const base = `${this.origin(visitor.site)}${p.path}`
    if (!query) return base
    const q = query.includes('{click}') ? query.replace('{click}', this.rng.hex(24)) : query
    return `${base}${p.path.includes('?') ? '&' : '?'}${q}`
  }

  private track(visitor: Visitor, name: string, props: { [key: string]: JsonValue }, afterMs: number): void {
    this.t += Math.min(MAX_GAP_MS, afterMs)
    this.push(visitor, 'track', name, props)
  }

  private identify(visitor: Visitor, traits: { [key: string]: JsonValue }): void {
    this.t += 200
    this.push(visitor, 'identify', null, traits)
  }

  private engagement(visitor: Visitor, engagedMs: number): void {
    this.push(
      visitor,
      'engagement',
      null,
      { engaged_ms: Math.round(engagedMs) },
      undefined,
      undefined,
      engagedMs,
    )
  }

  /** The visitor leaves: the last page reports its engaged time (unless the tab just died). */
  private leave(visitor: Visitor): void {
    if (this.rng.chance(0.9)) {
      const dwell = Math.min(MAX_GAP_MS, this.rng.logNormal(25_000, 1))
      this.engagement(visitor, dwell)
    }
    // The next session of this visitor must not continue this one.
    this.pageViewId = ''
  }

  private push(
    visitor: Visitor,
    type: GenEvent['type'],
    name: string | null,
    props: { [key: string]: JsonValue } | null,
    url?: string,
    referrer?: string | null,
    delay = 0,
  ): void {
    const time = Math.round(this.t + delay)
    const last = this.events[this.events.length - 1]
    this.events.push({
      type,
      name,
      // Equal times would make "which came first" depend on the sort; keep a visit strictly ordered.
      time: last && time <= last.time ? last.time + 1 : time,
      event_id: `${this.pageViewId}:${this.counter++}`,
      site: visitor.site,
      url: url ?? last?.url ?? '',
      title: url === undefined ? (last?.title ?? '') : this.current.title,
      referrer: referrer === undefined ? (last?.referrer ?? null) : referrer,
      visitor_id: visitor.id,
      session_id: this.sessionId,
      user_id: this.userId,
      page_view_id: this.pageViewId,
      props,
      visitor,
    })
  }
}
