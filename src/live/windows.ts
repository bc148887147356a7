// Sliding-window building blocks of the live metrics, bucketed by second: a ring of per-second
// counts, distinct members per key over the last W seconds, and per-key sums over the last W
// seconds. Adding is O(1); expiry is incremental (each member or sum is revisited about once per
// window), so the once-a-second snapshot costs what expired plus the keys it lists, not the events.

/** Per-second counts of a few series over a fixed span of seconds (older seconds are overwritten). */
export class SecondRing {
  readonly #size: number
  readonly #slotSecond: Float64Array
  readonly #series: Float64Array[]

  constructor(size: number, series: number) {
    this.#size = size
    this.#slotSecond = new Float64Array(size).fill(-1)
    this.#series = Array.from({ length: series }, () => new Float64Array(size))
  }

  /** Adds `n` to `series` at second `sec` (epoch seconds). */
  add(sec: number, series: number, n = 1): void {
    const slot = sec % this.#size
    if (this.#slotSecond[slot] !== sec) {
      // The slot held an older second: it starts again at zero for every series.
      this.#slotSecond[slot] = sec
      for (const s of this.#series) s[slot] = 0
    }
    this.#series[series]![slot]! += n
  }

  /** Sum of `series` over the seconds `from`..`to` (inclusive). */
  sum(series: number, from: number, to: number): number {
    const values = this.#series[series]!
    let total = 0
    for (let sec = Math.max(from, to - this.#size + 1); sec <= to; sec++) {
      const slot = sec % this.#size
      if (this.#slotSecond[slot] === sec) total += values[slot]!
    }
    return total
  }
}

/**
 * Seconds of a ring of buckets, one per second of the window. A bucket's second is -1 when empty.
 * `stale(cutoff)` takes the buckets of seconds before `cutoff` out of the ring (emptied in place
 * only after they are handed over, so the caller may schedule into the ring meanwhile).
 */
class BucketRing<B> {
  readonly size: number
  readonly #sec: Float64Array
  readonly #buckets: B[]
  readonly #fresh: () => B

  constructor(windowS: number, fresh: () => B) {
    this.size = windowS + 1
    this.#sec = new Float64Array(this.size).fill(-1)
    this.#buckets = Array.from({ length: this.size }, fresh)
    this.#fresh = fresh
  }

  /** The bucket of second `sec`; the caller guarantees older seconds in its slot were expired. */
  at(sec: number): B {
    const i = sec % this.size
    this.#sec[i] = sec
    return this.#buckets[i]!
  }

  /** Removes and returns the buckets of seconds before `cutoff`. */
  stale(cutoff: number): B[] {
    const out: B[] = []
    for (let i = 0; i < this.size; i++) {
      const s = this.#sec[i]!
      if (s !== -1 && s < cutoff) {
        out.push(this.#buckets[i]!)
        this.#buckets[i] = this.#fresh()
        this.#sec[i] = -1
      }
    }
    return out
  }
}

/**
 * Distinct members (visitor ids) per key over the last `windowS` seconds. Each member keeps its
 * latest second and sits in the bucket of the second it was scheduled at; when that bucket
 * expires, a member seen again since is moved to the bucket of its latest second, else forgotten.
 * So `size(key)` is exact after `expire(cutoff)`, and no member is scheduled twice.
 */
export class SlidingDistinct<K> {
  readonly #byKey = new Map<K, Map<string, number>>()
  readonly #ring: BucketRing<unknown[]>
  #cutoff = Number.NEGATIVE_INFINITY

  constructor(windowS: number) {
    this.#ring = new BucketRing<unknown[]>(windowS, () => [])
  }

  /**
   * Records `member` under `key` at second `sec` (at or after the last cutoff); returns the latest
   * second it had before (-1 if none).
   */
  touch(key: K, member: string, sec: number): number {
    let m = this.#byKey.get(key)
    if (m === undefined) {
      m = new Map()
      this.#byKey.set(key, m)
    }
    const prev = m.get(member)
    if (prev === undefined) {
      m.set(member, sec)
      this.#ring.at(sec).push(key, member)
      return -1
    }
    if (prev < sec) m.set(member, sec)
    return prev
  }

  /** Forgets members last seen before `cutoff`; cutoffs only grow. */
  expire(cutoff: number): void {
    if (cutoff <= this.#cutoff) return
    this.#cutoff = cutoff
    for (const bucket of this.#ring.stale(cutoff)) {
      for (let i = 0; i < bucket.length; i += 2) {
        const key = bucket[i] as K
        const member = bucket[i + 1] as string
        const m = this.#byKey.get(key)
        const last = m?.get(member)
        if (m === undefined || last === undefined) continue
        if (last >= cutoff) this.#ring.at(last).push(key, member)
        else {
          m.delete(member)
          if (m.size === 0) this.#byKey.delete(key)
        }
      }
    }
  }

  /** Distinct members of `key` since the last cutoff. */
  size(key: K): number {
    return this.#byKey.get(key)?.size ?? 0
  }

  /** Members of `key` seen at or after `from` (a narrower window than this one's). */
  countSince(key: K, from: number): number {
    let n = 0
    for (const sec of this.#byKey.get(key)?.values() ?? []) if (sec >= from) n++
    return n
  }

  /** Calls `f` with every key and its distinct members. */
  forEachSize(f: (key: K, size: number) => void): void {
    for (const [key, m] of this.#byKey) f(key, m.size)
  }
}

/** Something with running totals that a {@link SlidingSums} keeps. */
export interface Totals {
  readonly sums: Float64Array
}

/**
 * Sums per key over the last `windowS` seconds, kept as running totals on the keys themselves
 * (`sums[field]`) plus per-second buckets of what to subtract when a second expires.
 */
export class SlidingSums<K extends Totals> {
  readonly #ring: BucketRing<Map<K, number>[]>
  #cutoff = Number.NEGATIVE_INFINITY

  constructor(windowS: number, fields: number) {
    this.#ring = new BucketRing(windowS, () => Array.from({ length: fields }, () => new Map<K, number>()))
  }

  /** Adds `n` to `field` of `key` at second `sec` (at or after the last cutoff). */
  add(key: K, field: number, sec: number, n: number): void {
    key.sums[field]! += n
    const m = this.#ring.at(sec)[field]!
    m.set(key, (m.get(key) ?? 0) + n)
  }

  /** Subtracts what was added before `cutoff`; cutoffs only grow. */
  expire(cutoff: number): void {
    if (cutoff <= this.#cutoff) return
    this.#cutoff = cutoff
    for (const fields of this.#ring.stale(cutoff))
      fields.forEach((m, field) => {
        for (const [key, n] of m) key.sums[field]! -= n
      })
  }
}
