// A small bounded cache for hot lookups (user agents, visitor hashes): two generations of Maps, the
// cheap approximation of least-recently-used. Reads hit the young Map; an entry found in the old one
// moves to the young one; when the young one is full it becomes the old one and the old one is
// dropped. A plain LRU over one Map pays a delete and a set on every hit, which showed up at 5% of
// the file tail's time.

/** Keeps at most `max` entries, dropping the ones not used for the longest. */
export class Lru<K, V> {
  /** Entries per generation. */
  readonly #half: number
  #young = new Map<K, V>()
  #old = new Map<K, V>()

  constructor(max: number) {
    this.#half = Math.max(1, Math.floor(max / 2))
  }

  /** Entries held (at most `max`). */
  get size(): number {
    let n = this.#young.size
    for (const k of this.#old.keys()) if (!this.#young.has(k)) n++
    return n
  }

  /** The value for `key`, marking it recently used. */
  get(key: K): V | undefined {
    const v = this.#young.get(key)
    if (v !== undefined) return v
    const old = this.#old.get(key)
    if (old !== undefined) this.#put(key, old)
    return old
  }

  /** Whether `key` is present (does not mark it used). */
  has(key: K): boolean {
    return this.#young.has(key) || this.#old.has(key)
  }

  set(key: K, value: V): void {
    if (this.#young.has(key)) this.#young.set(key, value)
    else {
      this.#old.delete(key)
      this.#put(key, value)
    }
  }

  #put(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young
      this.#young = new Map()
    }
    this.#young.set(key, value)
  }
}
