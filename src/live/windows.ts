// Sliding-window building blocks of the live metrics, bucketed by second: a ring of per-second
// counts, a last-seen map for distinct counts, and a sparse per-second sum for keyed counters.
// Per-event work is O(1); the once-a-second snapshot does the counting and evicts what fell out.

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

/** Distinct keys with the last second each was seen: counts keys seen since a cutoff. */
export class DistinctWindow {
  readonly #lastSeen = new Map<string, number>()

  /** Records `key` at second `sec` (keeps the latest second seen). */
  touch(key: string, sec: number): void {
    const prev = this.#lastSeen.get(key)
    if (prev === undefined || prev < sec) this.#lastSeen.set(key, sec)
  }

  /** Keys seen at or after `cutoff`; keys last seen before `evictBefore` are forgotten. */
  count(cutoff: number, evictBefore = cutoff): number {
    let n = 0
    for (const [key, sec] of this.#lastSeen) {
      if (sec >= cutoff) n++
      else if (sec < evictBefore) this.#lastSeen.delete(key)
    }
    return n
  }

  /** Keys held (seen within the retention), for dropping empty windows. */
  get size(): number {
    return this.#lastSeen.size
  }
}

/**
 * A sum over the recent seconds of one key (clicks of a page, engaged ms): (second, value) pairs in
 * second order with a running total, so adding is O(1) for events in order and reading evicts from
 * the front. An event older than the newest second is inserted in place (rare: a few seconds of
 * disorder between partitions).
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

  /** The sum of the seconds at or after `cutoff`; older ones are dropped. */
  sumSince(cutoff: number): number {
    const secs = this.#secs
    while (this.#head < secs.length && secs[this.#head]! < cutoff) {
      this.#total -= this.#values[this.#head]!
      this.#head++
    }
    if (this.#head > 64 && this.#head * 2 > secs.length) {
      // Compact now and then so the arrays do not grow without bound.
      secs.splice(0, this.#head)
      this.#values.splice(0, this.#head)
      this.#head = 0
    }
    if (this.#head === secs.length) this.#total = 0
    return this.#total
  }
}
