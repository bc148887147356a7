// Sparse time index of one segment, Kafka style: entries (largest timestamp so far, offset of the
// batch that brought it), added when the largest timestamp grows and enough bytes passed. It answers
// "from which batch on can a record have timestamp >= T" (offsetForTimestamp) and gives a sealed
// segment's largest timestamp (retention by age). The `.timeindex` file holds 12-byte entries
// (i64 timestamp, u32 relative offset), written when the segment is sealed.

const ENTRY_BYTES = 12

/** Largest-timestamp-so-far -> offset, sparse. */
export class TimeIndex {
  readonly baseOffset: number
  #timestamps = new Float64Array(64)
  #offsets = new Uint32Array(64)
  #count = 0

  constructor(baseOffset: number) {
    this.baseOffset = baseOffset
  }

  /** Number of entries. */
  get count(): number {
    return this.#count
  }

  /** The largest timestamp indexed, or -1 when empty. */
  get lastTimestamp(): number {
    return this.#count === 0 ? -1 : this.#timestamps[this.#count - 1]!
  }

  /** Adds an entry if `timestamp` is larger than every one indexed so far. */
  append(timestamp: number, offset: number): void {
    if (this.#count > 0 && timestamp <= this.#timestamps[this.#count - 1]!) return
    if (this.#count === this.#offsets.length) {
      const t = new Float64Array(this.#count * 2)
      t.set(this.#timestamps)
      this.#timestamps = t
      const o = new Uint32Array(this.#count * 2)
      o.set(this.#offsets)
      this.#offsets = o
    }
    this.#timestamps[this.#count] = timestamp
    this.#offsets[this.#count] = offset - this.baseOffset
    this.#count++
  }

  /**
   * An offset from which a scan finds the first record with timestamp >= `timestamp`: every record
   * before the returned offset is older.
   */
  lookup(timestamp: number): number {
    let lo = 0
    let hi = this.#count - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.#timestamps[mid]! < timestamp) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    // Entry `found` says: up to and including its batch, nothing reaches `timestamp`; but that batch
    // may hold later records too, so the scan starts at the batch itself.
    return found < 0 ? this.baseOffset : this.baseOffset + this.#offsets[found]!
  }

  /** The `.timeindex` file content. */
  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.#count * ENTRY_BYTES)
    for (let i = 0; i < this.#count; i++) {
      buf.writeBigInt64BE(BigInt(this.#timestamps[i]!), i * ENTRY_BYTES)
      buf.writeUInt32BE(this.#offsets[i]!, i * ENTRY_BYTES + 8)
    }
    return buf
  }

  /** Parses a `.timeindex` file; null if torn or out of order (then it is rebuilt by a scan). */
  static parse(buf: Buffer, baseOffset: number, nextOffset: number): TimeIndex | null {
    if (buf.length % ENTRY_BYTES !== 0) return null
    const index = new TimeIndex(baseOffset)
    let prevOffset = -1
    for (let at = 0; at < buf.length; at += ENTRY_BYTES) {
      const ts = Number(buf.readBigInt64BE(at))
      const offset = baseOffset + buf.readUInt32BE(at + 8)
      if (ts <= index.lastTimestamp || offset < prevOffset || offset >= nextOffset) return null
      index.append(ts, offset)
      prevOffset = offset
    }
    return index
  }
}
