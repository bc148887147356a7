// MurmurHash3 x86 32-bit, seed 0, over a string's UTF-8 bytes, as a signed 32-bit integer: the hash
// of Divolte's request checksum (../shared/protocols.md). The `murmurhash` package computes it; it
// returns the unsigned value, and we hand it bytes so the UTF-8 encoding is ours, not its choice.
import murmurhash from 'murmurhash'

/** The signed 32-bit MurmurHash3 (x86, seed 0) of the UTF-8 encoding of `text`. */
export function murmur3Signed(text: string): number {
  return murmurhash.v3(Buffer.from(text, 'utf8'), 0) | 0
}
