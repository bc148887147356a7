// Record batch v2: round trips (with each codec), the header bytes checked field by field against
// Kafka's published format, and interoperability both ways with kafkajs's own encoder and decoder.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'
import { crc32c } from '@node-rs/crc32'
import type { LogRecord } from '../log.ts'
import {
  BATCH_HEADER_BYTES,
  batchCrcOk,
  decodeRecords,
  encodeBatch,
  type PreparedRecord,
  readBatchHeader,
  recordsSection,
} from './record-batch.ts'

const require = createRequire(import.meta.url)

const T0 = 1_700_000_000_123
const records: PreparedRecord[] = [
  { key: Buffer.from('visitor-1'), value: Buffer.from('{"event":1}'), timestamp: T0 },
  { key: null, value: Buffer.from('no key'), timestamp: T0 - 5000 },
  { key: Buffer.from('ключ'), value: Buffer.alloc(300, 7), timestamp: T0 + 86_400_000 * 400 },
]

async function decodeAll(batch: Buffer, from = 0): Promise<LogRecord[]> {
  const h = readBatchHeader(batch, 0)
  assert.equal(h.kind, 'ok')
  if (h.kind !== 'ok') throw new Error('unreachable')
  assert.ok(batchCrcOk(batch, 0, h.header))
  const out: LogRecord[] = []
  decodeRecords(await recordsSection(batch, 0, h.header), h.header, 3, from, 100, out)
  return out
}

describe('record batch v2', () => {
  for (const codec of ['none', 'gzip', 'lz4'] as const) {
    test(`round trip with compression ${codec}`, async () => {
      const batch = await encodeBatch(1000, records, codec)
      const out = await decodeAll(batch)
      assert.deepEqual(
        out.map((r) => [r.partition, r.offset, r.timestamp, r.key, r.value.toString('hex')]),
        records.map((r, i) => [3, 1000 + i, r.timestamp, r.key?.toString() ?? null, r.value.toString('hex')]),
      )
      assert.deepEqual(
        (await decodeAll(batch, 1002)).map((r) => r.offset),
        [1002],
      )
    })
  }

  test('header bytes match the Kafka message format field by field', async () => {
    const one = await encodeBatch(42, [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0 }])
    const asString = await encodeBatch(42, [{ key: 'k', value: Buffer.from('v'), timestamp: T0 }])
    // An ASCII key may stay a string (the append path's fast case): the same bytes as a Buffer key.
    assert.deepEqual(asString, one, 'an ASCII string key encodes exactly like its bytes')
    assert.equal(one.readBigInt64BE(0), 42n, 'baseOffset')
    assert.equal(one.readInt32BE(8), one.length - 12, 'batchLength counts the bytes after itself')
    assert.equal(one.readInt32BE(12), 0, 'partitionLeaderEpoch')
    assert.equal(one.readInt8(16), 2, 'magic')
    assert.equal(one.readUInt32BE(17), crc32c(one.subarray(21)), 'CRC-32C from attributes to the end')
    assert.equal(one.readInt16BE(21), 0, 'attributes: no compression, create time')
    assert.equal(one.readInt32BE(23), 0, 'lastOffsetDelta')
    assert.equal(one.readBigInt64BE(27), BigInt(T0), 'baseTimestamp')
    assert.equal(one.readBigInt64BE(35), BigInt(T0), 'maxTimestamp')
    assert.equal(one.readBigInt64BE(43), -1n, 'producerId')
    assert.equal(one.readInt16BE(51), -1, 'producerEpoch')
    assert.equal(one.readInt32BE(53), -1, 'baseSequence')
    assert.equal(one.readInt32BE(57), 1, 'record count')
    // length 8 (zigzag 16), attributes 0, timestampDelta 0, offsetDelta 0, key length 1 (zigzag 2),
    // "k", value length 1 (zigzag 2), "v", header count 0.
    assert.equal(
      one.subarray(BATCH_HEADER_BYTES).toString('hex'),
      '10' + '00' + '00' + '00' + '02' + '6b' + '02' + '76' + '00',
    )
    const max = await encodeBatch(0, records)
    assert.equal(max.readBigInt64BE(35), BigInt(T0 + 86_400_000 * 400), 'maxTimestamp is the largest')
    assert.equal(max.readInt32BE(23), 2)
    assert.equal((await encodeBatch(0, records, 'gzip')).readInt16BE(21) & 7, 1, 'gzip code')
    assert.equal((await encodeBatch(0, records, 'lz4')).readInt16BE(21) & 7, 3, 'lz4 code')
  })

  test('damage is told apart from a short buffer', async () => {
    const batch = await encodeBatch(0, records)
    assert.equal(readBatchHeader(batch.subarray(0, 30), 0).kind, 'incomplete')
    assert.deepEqual(readBatchHeader(batch.subarray(0, batch.length - 1), 0), {
      kind: 'incomplete',
      need: batch.length,
    })
    const flipped = Buffer.from(batch)
    flipped[batch.length - 3]! ^= 0x10
    const h = readBatchHeader(flipped, 0)
    assert.ok(h.kind === 'ok' && !batchCrcOk(flipped, 0, h.header))
    const badMagic = Buffer.from(batch)
    badMagic[16] = 1
    assert.deepEqual(readBatchHeader(badMagic, 0), { kind: 'corrupt', reason: 'bad_magic' })
    assert.deepEqual(readBatchHeader(Buffer.alloc(100), 0), { kind: 'corrupt', reason: 'bad_length' })
  })

  test('kafkajs decodes our batches, and we decode batches kafkajs encodes', async () => {
    const Decoder = require('kafkajs/src/protocol/decoder')
    const decodeKafkajs = require('kafkajs/src/protocol/recordBatch/v0/decoder')
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0')
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0')
    const Long = require('kafkajs/src/utils/long')
    const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C')

    for (const codec of ['none', 'gzip'] as const) {
      const ours = await encodeBatch(77, records, codec)
      assert.equal(kafkajsCrc(ours.subarray(21)), ours.readUInt32BE(17), 'kafkajs computes the same CRC-32C')
      const theirs = await decodeKafkajs(new Decoder(ours))
      assert.equal(theirs.firstOffset, '77')
      assert.equal(theirs.maxTimestamp, String(T0 + 86_400_000 * 400))
      assert.deepEqual(
        theirs.records.map((r: { offset: string; timestamp: string; key: Buffer | null; value: Buffer }) => [
          r.offset,
          r.timestamp,
          r.key?.toString() ?? null,
          r.value.toString('hex'),
        ]),
        records.map((r, i) => [
          String(77 + i),
          String(r.timestamp),
          r.key?.toString() ?? null,
          r.value.toString('hex'),
        ]),
      )
    }

    const encoded = await RecordBatch({
      compression: 1,
      firstOffset: Long.fromValue(9),
      firstTimestamp: T0,
      maxTimestamp: T0 + 10,
      lastOffsetDelta: 1,
      records: [
        Record({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('a'), value: Buffer.from('first') }),
        Record({
          offsetDelta: 1,
          timestampDelta: 10,
          key: null,
          value: Buffer.from('second'),
          headers: { h: 'x' },
        }),
      ],
    })
    const out = await decodeAll(encoded.buffer)
    assert.deepEqual(
      out.map((r) => [r.offset, r.timestamp, r.key, r.value.toString()]),
      [
        [9, T0, 'a', 'first'],
        [10, T0 + 10, null, 'second'],
      ],
    )
  })
})
