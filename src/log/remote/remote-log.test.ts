// RemoteLog over a real MessageChannel against the segment log it forwards to: reads arrive as batch
// bytes and are decoded on the consumer's side, so every kind of read must give exactly the records
// the log itself gives (mid-batch starts, page limits, segment rolls, compression, out of range).
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import { OffsetOutOfRangeError } from '../../core/errors.ts'
import type { EventLog, LogRecord } from '../log.ts'
import { openTestLog, rec, removeTempDirs, tempDir } from '../segment-log/testing.ts'
import { serveLog } from './log-server.ts'
import { RemoteLog } from './remote-log.ts'

after(removeTempDirs)

const plain = (records: readonly LogRecord[]) =>
  records.map((r) => [
    r.partition,
    r.offset,
    r.timestamp,
    r.key,
    Buffer.isBuffer(r.value),
    r.value.toString(),
  ])

/** A remote view of `log` over a fresh channel. */
function remote(log: EventLog): { remote: RemoteLog; close: () => void } {
  const channel = new MessageChannel()
  serveLog(log, channel.port1)
  const r = new RemoteLog(channel.port2)
  return {
    remote: r,
    close: () => {
      void r.close()
      channel.port1.close()
    },
  }
}

describe('RemoteLog reads', () => {
  // Small segments make reads cross segment files and give buffers small enough to be copied rather
  // than moved; a large segment gives read buffers whose memory is moved to the consumer.
  for (const [compression, segmentBytes] of [
    ['none', 2048],
    ['gzip', 2048],
    ['none', 1 << 20],
  ] as const) {
    test(`give the same records as the log itself (${compression}, segments of ${segmentBytes} bytes)`, async () => {
      // Appends of several records, so batches hold many.
      const log = await openTestLog(await tempDir(), { partitions: 1, segmentBytes, compression })
      for (let i = 0; i < 400; i += 8)
        await log.append(
          't',
          Array.from({ length: 8 }, (_, j) => rec(i + j, j === 3 ? null : `käy-${(i + j) % 5}`)),
        )
      assert.ok((await log.endOffsets('t'))[0] === 400)
      const { remote: r, close } = remote(log)
      try {
        for (const [offset, max] of [
          [0, 1000],
          [0, 1],
          [3, 5],
          [5, 8],
          [17, 100],
          [399, 10],
          [400, 10],
          [250, 97],
        ] as const) {
          const theirs = await r.read('t', 0, offset, max)
          assert.deepEqual(
            plain(theirs),
            plain(await log.read('t', 0, offset, max)),
            `read(${offset}, ${max})`,
          )
          assert.equal(theirs.length, Math.min(max, 400 - offset))
        }
        // A consumer paging through in order (the reader's cursor path) sees every record once.
        const seen: number[] = []
        for (let offset = 0; offset < 400; ) {
          const page = await r.read('t', 0, offset, 37)
          seen.push(...page.map((x) => x.offset))
          offset = page[page.length - 1]!.offset + 1
        }
        assert.deepEqual(
          seen,
          Array.from({ length: 400 }, (_, i) => i),
        )
        await assert.rejects(r.read('t', 0, 401, 10), OffsetOutOfRangeError)
      } finally {
        close()
        await log.close()
      }
    })
  }

  test('a log without batch bytes answers with records', async () => {
    const log = await openTestLog(await tempDir(), { partitions: 1 })
    await log.append('t', [rec(0), rec(1), rec(2)])
    // Only the EventLog methods, as a Kafka-backed log would offer.
    const bare: EventLog = {
      topics: () => log.topics(),
      partitions: (t) => log.partitions(t),
      append: (t, records) => log.append(t, records),
      read: (t, p, o, m) => log.read(t, p, o, m),
      startOffsets: (t) => log.startOffsets(t),
      endOffsets: (t) => log.endOffsets(t),
      offsetForTimestamp: (t, p, ts) => log.offsetForTimestamp(t, p, ts),
      committed: (t, g) => log.committed(t, g),
      commit: (t, g, o) => log.commit(t, g, o),
      waitForData: (t, o, ms, s) => log.waitForData(t, o, ms, s),
      close: () => log.close(),
    }
    const { remote: r, close } = remote(bare)
    try {
      assert.deepEqual(plain(await r.read('t', 0, 1, 10)), plain(await log.read('t', 0, 1, 10)))
    } finally {
      close()
      await log.close()
    }
  })
})
