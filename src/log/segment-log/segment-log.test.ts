// The segment log through the EventLog interface: durable concurrent appends spread by key, order
// within a partition, segments rolled by size and age with Kafka-named files, reads from any offset
// (through trusted or rebuilt indexes), offsets by timestamp, consumer groups, waitForData.
import assert from 'node:assert/strict'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { OffsetOutOfRangeError } from '../../core/errors.ts'
import { Partitioner } from './partitioner.ts'
import { openTestLog, readAll, rec, removeTempDirs, tempDir } from './testing.ts'

after(removeTempDirs)

describe('SegmentLog', () => {
  test('concurrent appends are durable, keyed to their murmur2 partition, in order, and survive reopen', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, { partitions: 3 })
    // 300 appends of 5 records in flight at once: group commit writes them in a few cycles.
    await Promise.all(
      Array.from({ length: 300 }, (_, a) =>
        log.append(
          't',
          Array.from({ length: 5 }, (_, j) => rec(a * 5 + j)),
        ),
      ),
    )
    const ends = await log.endOffsets('t')
    assert.equal(ends[0]! + ends[1]! + ends[2]!, 1500)
    const chooser = new Partitioner()
    for (let p = 0; p < 3; p++) {
      const records = await readAll(log, 't', p)
      assert.deepEqual(
        records.map((r) => r.offset),
        Array.from({ length: ends[p]! }, (_, i) => i),
      )
      for (const r of records) assert.equal(chooser.partition(Buffer.from(r.key!), 3), p)
      // Per key, values come in the order they were appended.
      const byKey = new Map<string, number[]>()
      for (const r of records)
        byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), Number(r.value.toString().slice(6))])
      for (const seq of byKey.values())
        assert.deepEqual(
          seq,
          [...seq].sort((a, b) => a - b),
        )
    }
    await log.close()
    const again = await openTestLog(dir, { partitions: 8 })
    assert.equal(await again.partitions('t'), 3, 'a topic keeps its partition count')
    assert.deepEqual(await again.endOffsets('t'), ends)
    assert.deepEqual(await again.topics(), ['t'])
    await again.close()
  })

  test('segments roll by size, carry Kafka file names, and read the same through trusted or rebuilt indexes', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, { partitions: 1, segmentBytes: 4096 })
    for (let i = 0; i < 400; i++) await log.append('t', [rec(i)])
    const files = (await readdir(join(dir, 't', 'partition-0'))).sort()
    const logs = files.filter((f) => f.endsWith('.log'))
    assert.ok(logs.length > 3, `rolled into ${logs.length} segments`)
    assert.equal(logs[0], '00000000000000000000.log')
    assert.ok(
      files.includes('00000000000000000000.index') && files.includes('00000000000000000000.timeindex'),
    )
    const expected = (await readAll(log, 't', 0)).map((r) => r.value.toString())
    assert.equal(expected.length, 400)
    for (const from of [0, 1, 57, 199, 398, 399])
      assert.equal((await log.read('t', 0, from, 1))[0]!.value.toString(), `value-${from}`)
    assert.deepEqual(await log.read('t', 0, 400, 10), [])
    await assert.rejects(log.read('t', 0, 401, 10), OffsetOutOfRangeError)
    await log.close()

    const trusted = await openTestLog(dir, { partitions: 1, segmentBytes: 4096 })
    assert.deepEqual(
      (await readAll(trusted, 't', 0)).map((r) => r.value.toString()),
      expected,
    )
    await trusted.close()
    for (const f of files.filter((f) => f.endsWith('index'))) await rm(join(dir, 't', 'partition-0', f))
    const rebuilt = await openTestLog(dir, { partitions: 1, segmentBytes: 4096 })
    for (const from of [3, 123, 301]) assert.equal((await rebuilt.read('t', 0, from, 1))[0]!.offset, from)
    assert.deepEqual(
      (await readAll(rebuilt, 't', 0)).map((r) => r.value.toString()),
      expected,
    )
    await rebuilt.append('t', [rec(400)])
    assert.equal((await rebuilt.read('t', 0, 400, 1))[0]!.value.toString(), 'value-400')
    await rebuilt.close()
  })

  test('segments roll by age; offsetForTimestamp finds the first record at or after a time', async () => {
    const dir = await tempDir()
    let now = 1_000_000
    const log = await openTestLog(dir, { partitions: 1, segmentMs: 1000, now: () => now })
    for (let i = 0; i < 30; i++) {
      await log.append('t', [rec(i, 'k', 5000 + i * 100)])
      now += 250
    }
    const segments = (await readdir(join(dir, 't', 'partition-0'))).filter((f) => f.endsWith('.log'))
    assert.ok(segments.length >= 7, `${segments.length} segments after 7.5 s of 1 s segments`)
    assert.equal(await log.offsetForTimestamp('t', 0, 0), 0)
    assert.equal(await log.offsetForTimestamp('t', 0, 5000 + 1234), 13)
    assert.equal(await log.offsetForTimestamp('t', 0, 5000 + 1300), 13)
    assert.equal(await log.offsetForTimestamp('t', 0, 99_999), 30, 'none that late: the end offset')
    await log.close()
  })

  test('compressed batches read back', async () => {
    for (const compression of ['gzip', 'lz4'] as const) {
      const log = await openTestLog(await tempDir(), { partitions: 1, compression, segmentBytes: 8192 })
      await Promise.all(Array.from({ length: 100 }, (_, i) => log.append('t', [rec(i), rec(i + 1000)])))
      const values = (await readAll(log, 't', 0)).map((r) => r.value.toString())
      assert.equal(values.length, 200)
      assert.equal((await log.read('t', 0, 77, 1))[0]!.offset, 77)
      await log.close()
    }
  })

  test('consumer groups commit durably, resume after a restart, and read independently', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, { partitions: 2 })
    await log.append(
      't',
      Array.from({ length: 40 }, (_, i) => rec(i, `v${i}`)),
    )
    const consume = async (l: typeof log, group: string, max: number) => {
      const committed = await l.committed('t', group)
      const got: string[] = []
      const next: Record<number, number> = { ...committed }
      for (let p = 0; p < 2; p++) {
        const records = await l.read('t', p, committed[p] ?? 0, max)
        for (const r of records) got.push(r.value.toString())
        if (records.length > 0) next[p] = records[records.length - 1]!.offset + 1
      }
      await l.commit('t', group, next)
      return got
    }
    const a1 = await consume(log, 'a', 5)
    const b1 = await consume(log, 'b', 100)
    assert.equal(a1.length, 10)
    assert.equal(b1.length, 40)
    await log.close()
    const again = await openTestLog(dir)
    const a2 = await consume(again, 'a', 100)
    assert.equal(a2.length, 30, 'group a resumes where it committed')
    assert.deepEqual(new Set([...a1, ...a2]), new Set(b1))
    assert.deepEqual(await consume(again, 'b', 100), [], 'group b has nothing left')
    await again.close()
  })

  test('waitForData wakes on an append and returns at the timeout otherwise', async () => {
    const log = await openTestLog(await tempDir(), { partitions: 2 })
    await log.partitions('t')
    let woke = false
    const waiting = log.waitForData('t', { 0: 0, 1: 0 }, 60_000).then(() => {
      woke = true
    })
    await log.append('t', [rec(1)])
    await waiting
    assert.ok(woke)
    await log.waitForData('t', await log.endOffsets('t'), 10)
    await log.close()
    await assert.rejects(log.append('t', [rec(2)]), /closed/)
  })
})
