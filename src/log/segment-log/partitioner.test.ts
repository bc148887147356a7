// Keyed records land in the partition a kafkajs (Java-compatible) producer would choose.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { isAscii, murmur2, murmur2Ascii, Partitioner } from './partitioner.ts'

const require = createRequire(import.meta.url)

test('murmur2 and the partition choice match kafkajs DefaultPartitioner', () => {
  const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (k: Buffer) => number
  const { Partitioners } = require('kafkajs') as {
    Partitioners: { DefaultPartitioner: () => (a: unknown) => number }
  }
  const theirs = Partitioners.DefaultPartitioner()
  const ours = new Partitioner()
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'visitor-0001', 'ü-ß-€', '0f8fad5b-d9cb-469f-a165-70867728950e']
  for (let i = 0; i < 2000; i++) keys.push(`v-${i}-${(i * 2654435761) % 1e9}`)
  for (const key of keys) {
    const bytes = Buffer.from(key, 'utf8')
    assert.equal(murmur2(bytes), kafkajsMurmur2(bytes), `murmur2(${key})`)
    assert.equal(isAscii(key), bytes.length === key.length, `isAscii(${key})`)
    if (isAscii(key)) assert.equal(murmur2Ascii(key), kafkajsMurmur2(bytes), `murmur2Ascii(${key})`)
    for (const count of [1, 2, 3, 8, 12]) {
      const partitionMetadata = Array.from({ length: count }, (_, id) => ({ partitionId: id, leader: 0 }))
      const expected = theirs({ topic: 't', partitionMetadata, message: { key: bytes, value: null } })
      assert.equal(ours.partition(bytes, count), expected, `${key} over ${count}`)
      if (isAscii(key)) assert.equal(ours.partition(key, count), expected, `${key} (string) over ${count}`)
    }
  }
  // Known value from Kafka's own tests: Utils.murmur2("21".getBytes()) == -973932308.
  assert.equal(murmur2(Buffer.from('21')), -973932308)
})

test('keyless records spread round-robin', () => {
  const p = new Partitioner()
  const seen = new Set(Array.from({ length: 8 }, () => p.partition(null, 4)))
  assert.equal(seen.size, 4)
})
