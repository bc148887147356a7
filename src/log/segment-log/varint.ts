// Kafka's zigzag varints (protobuf style), used by record batch v2 for every per-record field.
// Numbers, not BigInts: offsets and timestamp deltas in a batch stay far below 2^53.

/** Bytes a zigzag varint of `n` (a safe integer) takes. */
export function varintSize(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1
  // Record fields are mostly one or two bytes: answered before the general loop.
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  let size = 1
  while (z >= 128) {
    z = Math.floor(z / 128)
    size++
  }
  return size
}

/** Writes `n` as a zigzag varint at `at`; returns the position after it. */
export function writeVarint(buf: Buffer, n: number, at: number): number {
  if (n >= -0x40000000 && n < 0x40000000) {
    // Fast path: the zigzag value fits a 31-bit unsigned, so bit operations are exact.
    let z = (n << 1) ^ (n >> 31)
    while (z >= 0x80) {
      buf[at++] = (z & 0x7f) | 0x80
      z >>>= 7
    }
    buf[at++] = z
    return at
  }
  let z = n >= 0 ? n * 2 : -n * 2 - 1
  while (z >= 128) {
    buf[at++] = (z % 128) | 0x80
    z = Math.floor(z / 128)
  }
  buf[at++] = z
  return at
}

/** A cursor over bytes that reads zigzag varints; `pos` moves past what was read. */
export class VarintReader {
  buf: Buffer
  pos: number

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf
    this.pos = pos
  }

  /** Reads one zigzag varint (up to 64 bits; throws on a malformed or over-long one). */
  varint(): number {
    // Every record field is a varint, so this runs five times per record read. The one- and
    // two-byte forms (nearly all of them) are read here, small enough for the JIT to inline;
    // longer ones, and the end of the buffer, take the general path.
    const buf = this.buf
    const pos = this.pos
    if (pos + 1 < buf.length) {
      const b = buf[pos]!
      if (b < 0x80) {
        this.pos = pos + 1
        return (b >>> 1) ^ -(b & 1)
      }
      const c = buf[pos + 1]!
      if (c < 0x80) {
        const z = (b & 0x7f) | (c << 7)
        this.pos = pos + 2
        return (z >>> 1) ^ -(z & 1)
      }
    }
    return this.#general()
  }

  #general(): number {
    const buf = this.buf
    const end = buf.length
    let pos = this.pos
    let z = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new RangeError('varint runs past the end of the buffer')
      const b = buf[pos++]!
      z += (b & 0x7f) * scale
      if (b < 0x80) {
        this.pos = pos
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2
      }
      scale *= 128
    }
    throw new RangeError('varint longer than 10 bytes')
  }
}
