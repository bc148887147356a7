// The ids the dedupe transform remembers: the last N 53-bit id hashes, in arrival order, with a
// membership test. A Set of a million numbers kept each as a heap object (~40 bytes, allocated on
// every add) that every full garbage collection of the processing worker had to walk; here two
// typed arrays hold them (a ring of arrival order and an open-addressing hash table with linear
// probing), 24 bytes per id, nothing for the collector to trace and no allocation per event.

/** The last `capacity` distinct hashes seen. */
export class IdMemory {
  readonly #ring: Float64Array
  /** Hash + 1 per slot (0: empty). */
  readonly #table: Float64Array
  readonly #mask: number
  #next = 0
  #filled = false

  constructor(capacity: number) {
    this.#ring = new Float64Array(capacity)
    let size = 2
    while (size < capacity * 2) size *= 2
    this.#table = new Float64Array(size)
    this.#mask = size - 1
  }

  /** Remembers `hash` (an integer in [0, 2^53)); false when it is remembered already. */
  remember(hash: number): boolean {
    const v = hash + 1
    const table = this.#table
    const mask = this.#mask
    let i = (hash >>> 0) & mask
    for (let t = table[i]!; t !== 0; t = table[i]!) {
      if (t === v) return false
      i = (i + 1) & mask
    }
    if (this.#filled) this.#forget(this.#ring[this.#next]!)
    // The slot found above may have moved by the forget: look again from the home slot.
    i = (hash >>> 0) & mask
    while (table[i] !== 0) i = (i + 1) & mask
    table[i] = v
    this.#ring[this.#next] = hash
    this.#next++
    if (this.#next === this.#ring.length) {
      this.#next = 0
      this.#filled = true
    }
    return true
  }

  /** Removes `hash` (present), shifting later entries of its probe run back so lookups still find them. */
  #forget(hash: number): void {
    const table = this.#table
    const mask = this.#mask
    const v = hash + 1
    let i = (hash >>> 0) & mask
    while (table[i] !== v) i = (i + 1) & mask
    let j = i
    for (;;) {
      j = (j + 1) & mask
      const t = table[j]!
      if (t === 0) break
      // The entry at j may fill the hole at i unless its home slot lies cyclically in (i, j].
      const home = ((t - 1) >>> 0) & mask
      const stays = i <= j ? home > i && home <= j : home > i || home <= j
      if (!stays) {
        table[i] = t
        i = j
      }
    }
    table[i] = 0
  }
}
