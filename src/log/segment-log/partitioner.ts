// Kafka's default partitioner for keyed records: murmur2 of the key's bytes, made positive, modulo
// the partition count. A Java or kafkajs producer sends the same key to the same partition, so
// clickflow and Kafka clients agree on where a visitor's events live. Keyless records go round-robin.

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 (Utils.murmur2 in the Java client) of `data`, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = (SEED ^ length) | 0
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // The last 1-3 bytes, mixed in the way Java's fall-through switch does.
  const rest = length & 3
  if (rest === 3) h ^= data[whole + 2]! << 16
  if (rest >= 2) h ^= data[whole + 1]! << 8
  if (rest >= 1) {
    h ^= data[whole]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** True when every character of `s` is ASCII, so its UTF-8 bytes are its char codes. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/**
 * {@link murmur2} of an ASCII-only string's bytes, read from its char codes: the common key (a
 * visitor id) is hashed without first being copied into a Buffer.
 */
export function murmur2Ascii(s: string): number {
  const length = s.length
  let h = (SEED ^ length) | 0
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k =
      s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const rest = length & 3
  if (rest === 3) h ^= s.charCodeAt(whole + 2) << 16
  if (rest >= 2) h ^= s.charCodeAt(whole + 1) << 8
  if (rest >= 1) {
    h ^= s.charCodeAt(whole)
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Picks partitions the way Kafka's default partitioner does. */
export class Partitioner {
  #counter = Math.floor(Math.random() * 0x7fffffff)

  /**
   * The partition for a record with this key among `count` partitions. A string key must be
   * ASCII-only (see {@link isAscii}); any other key is given as its UTF-8 bytes.
   */
  partition(key: Uint8Array | string | null, count: number): number {
    if (typeof key === 'string') return (murmur2Ascii(key) & 0x7fffffff) % count
    if (key !== null) return (murmur2(key) & 0x7fffffff) % count
    this.#counter = (this.#counter + 1) & 0x7fffffff
    return this.#counter % count
  }
}
