// Who visits: new visitors (a country by the hour, a device, an address in the country's ranges, a
// way in) and returning ones drawn from those seen before, more often the recent ones, never while
// their previous visit could still be running (a new session needs 30 minutes of silence).
import { AGENTS, ARRIVALS, type ArrivalSpec, BOTS, type CountrySpec, DEVICE_WEIGHTS } from './catalog.ts'
import { type Random, Weighted } from './random.ts'
import type { Timeline } from './timeline.ts'

/** One visitor (a browser with its cookie), or a crawler. */
export interface Visitor {
  readonly id: string
  readonly site: string
  readonly ua: string
  readonly device: 'desktop' | 'mobile' | 'tablet' | 'bot'
  readonly bot: boolean
  readonly country: string
  ip: string
  userId: string | null
  plan: string
  /** Sessions so far, this one included. */
  sessions: number
  /** Time of the last event of the latest session (epoch ms). */
  lastEnd: number
}

/** How a visit came in: channel, referrer, and query string tags of the landing URL. */
export type Arrival = Pick<ArrivalSpec, 'channel' | 'referrer' | 'query'>

const SESSION_GAP_MS = 30 * 60_000
const DIRECT: Arrival = { channel: 'direct', referrer: null, query: null }
/** Share of sessions that are crawlers. */
export const BOT_SESSION_SHARE = 0.025
/** Visitors remembered for returning visits; older ones do not come back (bounded memory). */
const POOL_SIZE = 400_000

const agentsByDevice = {
  desktop: weightedAgents('desktop'),
  mobile: weightedAgents('mobile'),
  tablet: weightedAgents('tablet'),
}
function weightedAgents(device: 'desktop' | 'mobile' | 'tablet') {
  const list = AGENTS.filter((a) => a.device === device)
  return new Weighted(
    list.map((a) => a.ua),
    list.map((a) => a.weight),
  )
}
const devices = new Weighted(['desktop', 'mobile', 'tablet'] as const, [
  DEVICE_WEIGHTS.desktop,
  DEVICE_WEIGHTS.mobile,
  DEVICE_WEIGHTS.tablet,
])
const bots = new Weighted(
  BOTS.map((b) => b.ua),
  BOTS.map((b) => b.weight),
)
const arrivals = new Weighted(
  ARRIVALS,
  ARRIVALS.map((a) => a.weight),
)

/** An address inside one of the country's ranges. */
export function addressIn(rng: Random, c: CountrySpec): string {
  return `${rng.pick(c.prefixes)}.${rng.int(256)}.${1 + rng.int(254)}`
}

/** Picks the visitor and the way in of each new session. */
export class VisitorPool {
  private readonly pool: Visitor[] = []
  private next = 0
  private readonly sites: Weighted<string>

  constructor(
    private readonly rng: Random,
    private readonly timeline: Pick<Timeline, 'countries'>,
    sites: readonly string[],
  ) {
    // The first site is the biggest, the others get less (1, 1/2, 1/3, ...).
    this.sites = new Weighted(
      sites,
      sites.map((_, i) => 1 / (i + 1)),
    )
  }

  /** The visitor of a session starting at `start`, and how they arrive. */
  visit(start: number): { visitor: Visitor; arrival: Arrival } {
    const rng = this.rng
    if (rng.chance(BOT_SESSION_SHARE)) {
      const v = this.create(start, true)
      return { visitor: v, arrival: DIRECT }
    }
    if (this.pool.length > 50 && rng.chance(0.42)) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const v = this.returning()
        if (v.lastEnd + SESSION_GAP_MS < start) {
          v.sessions++
          // Now and then the same home network hands out another address.
          if (rng.chance(0.1)) v.ip = v.ip.replace(/\.\d+$/, `.${1 + rng.int(254)}`)
          // Returning visitors come back directly more often than new ones.
          return { visitor: v, arrival: rng.chance(0.5) ? DIRECT : arrivals.draw(rng) }
        }
      }
    }
    const v = this.create(start, false)
    this.remember(v)
    return { visitor: v, arrival: arrivals.draw(rng) }
  }

  private returning(): Visitor {
    const rng = this.rng
    const n = this.pool.length
    // Half from the recent past (yesterday's visitors return most), half from anyone remembered.
    if (rng.chance(0.5)) {
      const back = Math.min(n - 1, Math.floor(rng.exp(Math.max(50, n * 0.05))))
      return this.pool[(this.next - 1 - back + n * 2) % n]!
    }
    return this.pool[rng.int(n)]!
  }

  private remember(v: Visitor): void {
    if (this.pool.length < POOL_SIZE) {
      this.pool.push(v)
      this.next = this.pool.length % POOL_SIZE
    } else {
      this.pool[this.next] = v
      this.next = (this.next + 1) % POOL_SIZE
    }
  }

  private create(start: number, bot: boolean): Visitor {
    const rng = this.rng
    const country = bot ? this.timeline.countries(start).items[0]! : this.timeline.countries(start).draw(rng)
    const device = bot ? 'bot' : devices.draw(rng)
    return {
      id: rng.id(),
      site: this.sites.draw(rng),
      ua: device === 'bot' ? bots.draw(rng) : agentsByDevice[device].draw(rng),
      device,
      bot,
      country: country.code,
      ip: addressIn(rng, country),
      userId: null,
      plan: 'member',
      sessions: 1,
      lastEnd: start,
    }
  }
}
