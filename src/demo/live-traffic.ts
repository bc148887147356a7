// Live demo traffic: simulated visitors arrive at random (a Poisson process), browse for minutes in
// real time, and leave; their events are POSTed to the collector's /collect as the browser tag
// sends them (batched per visitor, the visitor's user agent, their address in X-Forwarded-For, which
// the demo collector trusts from loopback). Same session model as `clickflow generate`.

import type { CountrySpec } from '../generator/catalog.ts'
import { siteOrigin } from '../generator/generator.ts'
import type { Weighted } from '../generator/random.ts'
import { Random } from '../generator/random.ts'
import { type GenEvent, SessionBuilder } from '../generator/session.ts'
import { collectEvent } from '../generator/shapes.ts'
import { countryMix } from '../generator/timeline.ts'
import { VisitorPool } from '../generator/visitors.ts'
import type { Logger } from '../telemetry/logger.ts'

const TICK_MS = 250
/** Visits are simulated from this long before the start (most last a few minutes). */
const WARM_MS = 10 * 60_000
const HOUR = 3_600_000

/** Settings of the live traffic. */
export interface LiveTrafficOptions {
  /** The collector's /collect URL. */
  readonly collectUrl: string
  readonly site: string
  /** New visits per second, on average. */
  readonly sessionsPerSecond: number
  readonly seed: number
  readonly log: Logger
}

/** Posts simulated visits to the collector until stopped. */
export class LiveTraffic {
  readonly #o: LiveTrafficOptions
  readonly #rng: Random
  readonly #visitors: VisitorPool
  readonly #builder: SessionBuilder
  #pending: GenEvent[] = []
  #nextArrival = 0
  #since = 0
  #timer: NodeJS.Timeout | null = null
  readonly #inFlight = new Set<Promise<void>>()
  #lastError = 0
  /** Events the collector accepted, and requests that failed. */
  readonly stats = { posted: 0, failedRequests: 0, sessions: 0 }

  constructor(o: LiveTrafficOptions) {
    this.#o = o
    this.#rng = new Random(o.seed)
    const mixes = new Map<number, Weighted<CountrySpec>>()
    const countries = (t: number) => {
      const hour = Math.floor(t / HOUR)
      let m = mixes.get(hour)
      if (!m) {
        mixes.clear()
        m = countryMix(hour * HOUR + HOUR / 2)
        mixes.set(hour, m)
      }
      return m
    }
    this.#visitors = new VisitorPool(this.#rng, { countries }, [o.site])
    this.#builder = new SessionBuilder(this.#rng, siteOrigin)
  }

  /**
   * Starts the traffic as if it had been running for a while: visits of the last minutes are
   * simulated too, and only their events from now on are sent, so the rate is steady at once.
   */
  start(): void {
    this.#since = Date.now()
    this.#nextArrival = this.#since - WARM_MS + this.#rng.exp(1000 / this.#o.sessionsPerSecond)
    this.#timer = setInterval(() => this.#tick(), TICK_MS)
  }

  /** Stops arrivals and waits for the requests in flight; events not yet due are dropped. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    this.#pending = []
    await Promise.allSettled([...this.#inFlight])
  }

  #tick(): void {
    const now = Date.now()
    let added = false
    while (this.#nextArrival <= now) {
      const start = this.#nextArrival
      const { visitor, arrival } = this.#visitors.visit(start)
      const events = this.#builder.build(visitor, start, arrival)
      visitor.lastEnd = events[events.length - 1]!.time
      this.#pending.push(...events)
      this.stats.sessions++
      added = true
      this.#nextArrival += this.#rng.exp(1000 / this.#o.sessionsPerSecond)
    }
    if (added) this.#pending.sort((a, b) => a.time - b.time)
    let due = 0
    while (due < this.#pending.length && this.#pending[due]!.time <= now) due++
    if (due === 0) return
    const batch = this.#pending.splice(0, due).filter((e) => e.time >= this.#since)
    // One request per visitor, as each browser sends its own batch.
    const byVisitor = new Map<string, GenEvent[]>()
    for (const e of batch) {
      const list = byVisitor.get(e.visitor_id)
      if (list) list.push(e)
      else byVisitor.set(e.visitor_id, [e])
    }
    for (const events of byVisitor.values()) {
      const p = this.#post(events).finally(() => this.#inFlight.delete(p))
      this.#inFlight.add(p)
    }
  }

  async #post(events: GenEvent[]): Promise<void> {
    const v = events[0]!.visitor
    try {
      const res = await fetch(this.#o.collectUrl, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': v.ua, 'x-forwarded-for': v.ip },
        body: JSON.stringify({ events: events.map(collectEvent), sent_at: Date.now() }),
        signal: AbortSignal.timeout(10_000),
      })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`the collector answered ${res.status}`)
      this.stats.posted += events.length
    } catch (err) {
      this.stats.failedRequests++
      // A collector that is stopping or overloaded: say so now and then, not for every request.
      if (Date.now() - this.#lastError > 10_000) {
        this.#lastError = Date.now()
        this.#o.log.warn(
          { err: (err as Error).message, failed_requests: this.stats.failedRequests },
          'demo traffic: a request failed',
        )
      }
    }
  }
}
