// The traffic generator: exactly `events` events over `days` days ending at `end`, in time order,
// the same for the same seed. Sessions are planned one after another; the k-th starts at the
// quantile (events planned so far / events asked) of the traffic's daily and weekly rhythm, so the
// range fills evenly whatever the count, and a heap of open sessions interleaves their events.
import { Random } from './random.ts'
import { type GenEvent, SessionBuilder } from './session.ts'
import { Timeline } from './timeline.ts'
import { VisitorPool } from './visitors.ts'

/** What to generate. */
export interface GeneratorOptions {
  /** Exactly this many events. */
  readonly events: number
  /** Over this many days before `end`. */
  readonly days: number
  /** End of the range (epoch ms, exclusive); no event is at or after it. */
  readonly end: number
  readonly seed: number
  /** Site names (host names); the first gets the most traffic. */
  readonly sites: readonly string[]
}

/** The URL origin of a site name: a host name as it is, on https. */
export function siteOrigin(site: string): string {
  return `https://${site}`
}

/** Checks options; throws an Error with a sentence that says what to fix. */
export function checkOptions(o: GeneratorOptions): void {
  if (!Number.isSafeInteger(o.events) || o.events < 1) throw new Error('--events must be a whole number >= 1')
  if (!(o.days > 0) || o.days > 3660) throw new Error('--days must be a number of days between 0 and 3660')
  if (!Number.isSafeInteger(o.seed)) throw new Error('--seed must be a whole number')
  if (o.sites.length === 0 || o.sites.some((s) => !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(s)))
    throw new Error('--sites must be a comma-separated list of host names like shop.example.com')
  if (!Number.isFinite(o.end)) throw new Error('--end must be a time (ISO 8601)')
}

/** A min-heap of open sessions keyed by the time of their next event. */
class SessionHeap {
  private readonly items: { events: GenEvent[]; i: number }[] = []

  get size(): number {
    return this.items.length
  }

  peekTime(): number {
    const top = this.items[0]
    return top ? top.events[top.i]!.time : Number.POSITIVE_INFINITY
  }

  push(events: GenEvent[]): void {
    this.items.push({ events, i: 0 })
    this.up(this.items.length - 1)
  }

  /** The earliest next event; its session moves on (or leaves the heap when done). */
  pop(): GenEvent {
    const top = this.items[0]!
    const e = top.events[top.i++]!
    if (top.i >= top.events.length) {
      const last = this.items.pop()!
      if (this.items.length > 0) {
        this.items[0] = last
        this.down(0)
      }
    } else this.down(0)
    return e
  }

  private key(i: number): number {
    const s = this.items[i]!
    return s.events[s.i]!.time
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (this.key(p) <= this.key(i)) break
      ;[this.items[p], this.items[i]] = [this.items[i]!, this.items[p]!]
      i = p
    }
  }

  private down(i: number): void {
    const n = this.items.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.key(l) < this.key(m)) m = l
      if (r < n && this.key(r) < this.key(m)) m = r
      if (m === i) break
      ;[this.items[m], this.items[i]] = [this.items[i]!, this.items[m]!]
      i = m
    }
  }
}

/** Yields the events in time order. */
export function* generateTraffic(o: GeneratorOptions): Generator<GenEvent, void, undefined> {
  checkOptions(o)
  const from = o.end - o.days * 86_400_000
  const timeline = new Timeline(from, o.end)
  const rng = new Random(o.seed)
  const visitors = new VisitorPool(rng, timeline, o.sites)
  const builder = new SessionBuilder(rng, siteOrigin)
  const heap = new SessionHeap()
  let planned = 0
  let nextStart = timeline.at(0)
  while (planned < o.events || heap.size > 0) {
    // Open every session that starts before the earliest pending event, so output stays ordered.
    while (planned < o.events && nextStart <= heap.peekTime()) {
      const { visitor, arrival } = visitors.visit(nextStart)
      let events = builder.build(visitor, nextStart, arrival)
      if (planned + events.length > o.events) events = events.slice(0, o.events - planned)
      squeezeBefore(events, o.end)
      visitor.lastEnd = events[events.length - 1]!.time
      planned += events.length
      heap.push(events)
      nextStart = timeline.at(planned / o.events)
    }
    yield heap.pop()
  }
}

/** A visit that would run past the end of the range is compressed to end before it. */
function squeezeBefore(events: GenEvent[], end: number): void {
  const first = events[0]!.time
  const last = events[events.length - 1]!.time
  if (last < end) return
  const room = end - 1 - first
  const span = last - first
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    e.time = first + Math.floor(((e.time - first) * room) / span)
  }
  // Keep the order strict (a squeeze may map neighbours to the same millisecond) without passing end.
  for (let i = events.length - 2; i >= 0; i--)
    if (events[i]!.time >= events[i + 1]!.time) events[i]!.time = events[i + 1]!.time - 1
}
