// MurmurHash3 x86 32 against published vectors, signedness, and non-ASCII input hashed as UTF-8.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import murmurhash from 'murmurhash'
import { murmur3Signed } from './murmur3.ts'

test('the vectors in protocols.md', () => {
  assert.equal(murmur3Signed(''), 0)
  assert.equal(murmur3Signed('hello'), 613153351)
  assert.equal(murmur3Signed('The quick brown fox jumps over the lazy dog'), 776992547)
})

test('non-ASCII text is hashed as its UTF-8 bytes', () => {
  // The widely published vector: "ππππππππ" (16 UTF-8 bytes), seed 0x9747b28c -> 0xD58063C1.
  assert.equal(murmurhash.v3(Buffer.from('ππππππππ', 'utf8'), 0x9747b28c), 0xd58063c1)
  assert.equal(murmur3Signed('é'), murmur3Signed('\u00e9'))
  assert.notEqual(murmur3Signed('é'), murmur3Signed('\u00e9'.normalize('NFD')))
})

test('results are signed 32-bit integers', () => {
  const values = ['a', 'b', 'abc', 'abcd', 'abcde', 'p=0:x:y,;', '😀'].map(murmur3Signed)
  for (const v of values) assert.ok(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)
  assert.ok(
    values.some((v) => v < 0),
    'some of these hash to negative numbers',
  )
})
