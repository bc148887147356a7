// Zigzag varints against a reference written with BigInt arithmetic, at every length boundary.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { VarintReader, varintSize, writeVarint } from './varint.ts'

/** Protobuf's zigzag varint of `n`, computed with BigInt: the reference. */
function reference(n: number): Buffer {
  let z = n >= 0 ? BigInt(n) * 2n : -BigInt(n) * 2n - 1n
  const bytes: number[] = []
  while (z >= 128n) {
    bytes.push(Number(z % 128n) | 0x80)
    z /= 128n
  }
  bytes.push(Number(z))
  return Buffer.from(bytes)
}

test('varints round-trip at every byte-length boundary, both signs', () => {
  const values = [0, 1, -1, 2, -2, 63, -64, 64, -65, 8191, -8192, 8192, -8193, 2 ** 31 - 1, -(2 ** 31)]
  for (let bits = 7; bits <= 52; bits += 7)
    values.push(2 ** bits - 1, 2 ** bits, -(2 ** bits), -(2 ** bits) - 1)
  values.push(Math.floor(Number.MAX_SAFE_INTEGER / 2), 2 ** 52, -(2 ** 52))
  for (const n of values) {
    const expected = reference(n)
    const buf = Buffer.alloc(12, 0xff)
    const end = writeVarint(buf, n, 1)
    assert.deepEqual(buf.subarray(1, end), expected, `bytes of ${n}`)
    assert.equal(varintSize(n), expected.length, `size of ${n}`)
    const r = new VarintReader(buf, 1)
    assert.equal(r.varint(), n, `read back ${n}`)
    assert.equal(r.pos, end, `position after ${n}`)
  }
})

test('a varint cut short or longer than 10 bytes is refused', () => {
  assert.throws(() => new VarintReader(Buffer.from([0x80])).varint(), /past the end/)
  assert.throws(() => new VarintReader(Buffer.from([0xff, 0xff])).varint(), /past the end/)
  assert.throws(() => new VarintReader(Buffer.alloc(0)).varint(), /past the end/)
  assert.throws(() => new VarintReader(Buffer.alloc(11, 0x80)).varint(), /longer than 10 bytes/)
})
