// Sparse offset index of one segment, Kafka style: an entry (offset relative to the segment's base,
// byte position of the batch holding it) every `index_interval_bytes` of log. A lookup finds the
// nearest batch at or before an offset; the reader scans forward from there. The `.index` file
// holds the entries as 8-byte big-endian pairs; it is written when a segment is sealed.

/** Bytes per entry in the `.index` file. */
const ENTRY_BYTES = 8

/** Offset -> byte position, sparse. */
export class OffsetIndex {
  readonly baseOffset: number
  #offsets = new Uint32Array(64)
  #positions = new Uint32Array(64)
  #count = 0

  constructor(baseOffset: number) {
    this.baseOffset = baseOffset
  }

  /** Number of entries. */
  get count(): number {
    return this.#count
  }

  /** Adds an entry for the batch starting at `position` whose first offset is `offset`. */
  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset
    if (this.#count > 0 && rel <= this.#offsets[this.#count - 1]!) return
    if (this.#count === this.#offsets.length) {
      this.#offsets = grow(this.#offsets)
      this.#positions = grow(this.#positions)
    }
    this.#offsets[this.#count] = rel
    this.#positions[this.#count] = position
    this.#count++
  }

  /** Byte position of the last indexed batch starting at or before `offset` (0 if none). */
  lookup(offset: number): number {
    const rel = offset - this.baseOffset
    let lo = 0
    let hi = this.#count - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.#offsets[mid]! <= rel) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found < 0 ? 0 : this.#positions[found]!
  }

  /** The last entry, as absolute offset and position, or null when empty. */
  last(): { offset: number; position: number } | null {
    if (this.#count === 0) return null
    return {
      offset: this.baseOffset + this.#offsets[this.#count - 1]!,
      position: this.#positions[this.#count - 1]!,
    }
  }

  /** The `.index` file content. */
  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.#count * ENTRY_BYTES)
    for (let i = 0; i < this.#count; i++) {
      buf.writeUInt32BE(this.#offsets[i]!, i * ENTRY_BYTES)
      buf.writeUInt32BE(this.#positions[i]!, i * ENTRY_BYTES + 4)
    }
    return buf
  }

  /**
   * Parses a `.index` file; null if it cannot belong to a log of `logSize` bytes (torn, out of
   * order, or pointing past the end), in which case the caller rebuilds it by scanning the log.
   */
  static parse(buf: Buffer, baseOffset: number, logSize: number): OffsetIndex | null {
    if (buf.length % ENTRY_BYTES !== 0) return null
    const index = new OffsetIndex(baseOffset)
    for (let at = 0; at < buf.length; at += ENTRY_BYTES) {
      const rel = buf.readUInt32BE(at)
      const position = buf.readUInt32BE(at + 4)
      const prev = index.last()
      if (position >= logSize) return null
      if (prev && (rel + baseOffset <= prev.offset || position <= prev.position)) return null
      index.append(baseOffset + rel, position)
    }
    return index
  }
}

function grow(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(a.length * 2)
  bigger.set(a)
  return bigger
}
