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

  /** Every bucket, in no order (for a scrub that edits them in place). */
  all(): readonly B[] {
    return this.#buckets
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

/** Distinct members (visitor ids) with the latest second each was seen: one key's window. */
export interface Members {
  readonly members: Map<string, number>
}

/**
 * Keeps the `members` maps of many keys (a page, a country, the site) to the last `windowS` seconds.
 * Each member sits in the bucket of the second it was scheduled at; when that bucket expires, a
 * member seen again since is moved to the bucket of its latest second, else forgotten. So a map's
 * size is exact after `expire(cutoff)`, no member is scheduled twice, and each is revisited about
 * once per window. Keys whose map empties are left to their owner to drop (the snapshot does).
 */
export class SlidingMembers {
  readonly #ring: BucketRing<unknown[]>
  #cutoff = Number.NEGATIVE_INFINITY

  constructor(windowS: number) {
    this.#ring = new BucketRing<unknown[]>(windowS, () => [])
  }

  /**
   * Records `member` in `key` at second `sec` (at or after the last cutoff); returns the latest
   * second it had before (-1 if none).
   */
  touch(key: Members, member: string, sec: number): number {
    const m = key.members
    const prev = m.get(member)
    if (prev === undefined) {
      m.set(member, sec)
      this.#ring.at(sec).push(key, member)
      return -1
    }
    if (prev < sec) m.set(member, sec)
    return prev
  }

  /** Drops the ring's entries of `gone` (their keys' maps are the caller's to clean). */
  scrub(gone: ReadonlySet<string>): void {
    for (const bucket of this.#ring.all()) {
      let kept = 0
      for (let i = 0; i < bucket.length; i += 2) {
        if (gone.has(bucket[i + 1] as string)) continue
        bucket[kept++] = bucket[i]
        bucket[kept++] = bucket[i + 1]
      }
      bucket.length = kept
    }
  }

  /** Forgets members last seen before `cutoff`; cutoffs only grow. */
  expire(cutoff: number): void {
    if (cutoff <= this.#cutoff) return
    this.#cutoff = cutoff
    for (const bucket of this.#ring.stale(cutoff)) {
      for (let i = 0; i < bucket.length; i += 2) {
        const key = bucket[i] as Members
        const member = bucket[i + 1] as string
        const last = key.members.get(member)
        if (last === undefined) continue
        if (last >= cutoff) this.#ring.at(last).push(key, member)
        else key.members.delete(member)
      }
    }
  }
}

/**
 * Takes `gone` out of every key's members and out of the expiry ring (an erasure): the ring holds
 * the member strings until their windows pass, so forgetting the maps alone would keep the ids.
 */
export function forgetMembers(
  window: SlidingMembers,
  keys: Iterable<Members>,
  gone: ReadonlySet<string>,
): void {
  for (const key of keys) for (const id of gone) key.members.delete(id)
  window.scrub(gone)
}

/** Members of `key` seen at or after `from`. */
export function countSince(key: Members, from: number): number {
  let n = 0
  for (const sec of key.members.values()) if (sec >= from) n++
  return n
}

/** A fresh key. */
export function members(): Members {
  return { members: new Map() }
}

/**
 * A sum over the recent seconds of one key (clicks of a page, engaged ms): (second, value) pairs in
 * second order with a running total, so adding is O(1) for events in order (no hash lookup: the
 * caller holds the key's object) and reading drops what fell out. An event older than the newest
 * second is inserted in place (rare: a few seconds of disorder between partitions).
 */
export class SecondSum {
  readonly #secs: number[] = []
  readonly #values: number[] = []
  #head = 0
  #total = 0

  add(sec: number, value: number): void {
    const secs = this.#secs
    const last = secs.length - 1
    this.#total += value
    if (last < this.#head || secs[last]! < sec) {
      secs.push(sec)
      this.#values.push(value)
      return
    }
    let i = last
    while (i >= this.#head && secs[i]! > sec) i--
    if (i >= this.#head && secs[i] === sec) this.#values[i]! += value
    else {
      secs.splice(i + 1, 0, sec)
      this.#values.splice(i + 1, 0, value)
    }
  }

  /** The sum of the seconds at or after `cutoff`; older ones are dropped (cutoffs only grow). */
  sumSince(cutoff: number): number {
    const secs = this.#secs
    while (this.#head < secs.length && secs[this.#head]! < cutoff) {
      this.#total -= this.#values[this.#head]!
      this.#head++
    }
    if (this.#head === secs.length) {
      secs.length = 0
      this.#values.length = 0
      this.#head = 0
      this.#total = 0
    } else if (this.#head > 64 && this.#head * 2 > secs.length) {
      // Compact now and then so the arrays do not grow without bound.
      secs.splice(0, this.#head)
      this.#values.splice(0, this.#head)
      this.#head = 0
    }
    return this.#total
  }
}
