// Retention by age and by size deletes whole sealed segments, oldest first, never the active one; a
// consumer positioned in a deleted segment gets OffsetOutOfRangeError (never silently other data),
// and the pipeline applies its documented reset policy: a loud warning, a metric, and it goes on.
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { OffsetOutOfRangeError } from '../../core/errors.ts'
import { Metrics } from '../../telemetry/metrics.ts'
import { Pipeline } from '../../topology/pipeline.ts'
import type { OffsetResetPolicy } from '../log.ts'
import { captureLogger, openTestLog, readAll, rec, removeTempDirs, tempDir } from './testing.ts'

after(removeTempDirs)

const segmentsOf = async (dir: string) =>
  (await readdir(join(dir, 't', 'partition-0'))).filter((f) => f.endsWith('.log')).sort()

describe('retention', () => {
  test('by age: segments whose newest record is too old go, the active one stays', async () => {
    const dir = await tempDir()
    let now = 10_000
    const metrics = new Metrics({ defaultMetrics: false })
    const log = await openTestLog(
      dir,
      { partitions: 1, segmentBytes: 2048, retentionMs: 5000, now: () => now },
      undefined,
      metrics,
    )
    for (let i = 0; i < 100; i++) await log.append('t', [rec(i, 'k', 1000 + i * 100)]) // timestamps 1000..10900
    const before = await segmentsOf(dir)
    assert.ok(before.length > 2, `${before.length} segments`)
    await log.enforceRetention()
    const start = (await log.startOffsets('t'))[0]!
    assert.ok(start > 0, 'old segments were deleted')
    const first = await log.read('t', 0, start, 1)
    assert.ok(first[0]!.timestamp >= 1000 + (start - 30) * 100, 'what is left is the newer part')
    await assert.rejects(log.read('t', 0, 0, 10), (err: unknown) => {
      assert.ok(err instanceof OffsetOutOfRangeError)
      assert.equal(err.startOffset, start)
      assert.match(err.message, /retention deleted/)
      return true
    })
    now = 1e12
    await log.enforceRetention()
    assert.equal((await segmentsOf(dir)).length, 1, 'the active segment is never deleted')
    assert.deepEqual(await log.endOffsets('t'), { 0: 100 })
    assert.match(
      await metrics.registry.getSingleMetricAsString('clickflow_log_retention_deleted_segments_total'),
      /reason="age"} [1-9]/,
    )
    const startNow = await log.startOffsets('t')
    await log.close()
    const again = await openTestLog(dir, { partitions: 1 })
    assert.deepEqual(await again.startOffsets('t'), startNow, 'the start survives a reopen')
    await again.close()
  })

  test('by size: the oldest segments of the topic go until it fits', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, { partitions: 2, segmentBytes: 2048, retentionBytes: 6000 })
    for (let i = 0; i < 200; i++) await log.append('t', [rec(i, `v${i}`)])
    await log.enforceRetention()
    const kept = [...(await readAll(log, 't', 0)), ...(await readAll(log, 't', 1))]
    assert.ok(kept.length < 200 && kept.length > 50, `kept ${kept.length}`)
    const bytes = async (p: number) => (await readdir(join(dir, 't', `partition-${p}`))).length
    assert.ok((await bytes(0)) > 0 && (await bytes(1)) > 0)
    // The newest records are all still there.
    const values = new Set(kept.map((r) => r.value.toString()))
    for (let i = 190; i < 200; i++) assert.ok(values.has(`value-${i}`))
    await log.close()
  })

  for (const policy of ['earliest', 'latest', 'fail'] as const satisfies readonly OffsetResetPolicy[]) {
    test(`a pipeline behind retention resets by policy "${policy}" and says so`, async () => {
      const dir = await tempDir()
      let now = 10_000
      const log = await openTestLog(dir, {
        partitions: 1,
        segmentBytes: 2048,
        retentionMs: 5000,
        now: () => now,
      })
      for (let i = 0; i < 60; i++) await log.append('t', [rec(i, 'k', 1000 + i * 100)])
      await log.commit('t', 'g', { 0: 3 })
      now = 20_000 // everything sealed is past retention now
      await log.enforceRetention()
      const start = (await log.startOffsets('t'))[0]!
      assert.ok(start > 3)
      const metrics = new Metrics({ defaultMetrics: false })
      const c = captureLogger()
      const seen: number[] = []
      const p = new Pipeline({
        log,
        topic: 't',
        group: 'g',
        sourceIds: new Set(),
        transforms: [],
        sinks: [],
        settings: {
          batch_max_events: 100,
          min_batch_interval_ms: 0,
          poll_timeout_ms: 10,
          retry_initial_ms: 5,
          retry_max_ms: 20,
        },
        offsetReset: policy,
        metrics,
        logger: c.logger,
      })
      await p.start()
      const deadline = Date.now() + 3000
      while (Date.now() < deadline) {
        seen.push(p.position[0]!)
        if (policy === 'fail' ? !p.healthy : p.position[0] === 60) break
        await new Promise((r) => setTimeout(r, 10))
      }
      await p.stop(0)
      if (policy === 'fail') {
        assert.equal(p.healthy, false)
        assert.match(p.lastError ?? '', /out of range.*offset_reset is "fail"/)
        assert.equal(p.position[0], 3, 'nothing is skipped without someone deciding')
        assert.ok(c.lines().some((l) => l.level === 'error' && l.partition === 0 && l.offset === 3))
      } else {
        const line = c.lines().find((l) => l.skipped_records !== undefined)
        assert.ok(line, 'a warning says what was skipped')
        assert.equal(line.level, 'warn')
        assert.equal(line.skipped_records, (policy === 'earliest' ? start : 60) - 3)
        assert.equal(line.reset_to, policy === 'earliest' ? start : 60)
        assert.equal(p.position[0], 60)
        assert.deepEqual(await log.committed('t', 'g'), { 0: 60 })
        const text = await metrics.registry.metrics()
        assert.match(
          text,
          new RegExp(`clickflow_log_offset_resets_total\\{topic="t",group="g",policy="${policy}"\\} 1`),
        )
        assert.match(
          text,
          new RegExp(
            `clickflow_log_offset_reset_skipped_records_total\\{topic="t",group="g"\\} ${line.skipped_records}`,
          ),
        )
      }
      await log.close()
    })
  }

  test('retention warns about a group whose committed offset it overtook', async () => {
    const dir = await tempDir()
    let now = 10_000
    const c = captureLogger()
    const log = await openTestLog(
      dir,
      { partitions: 1, segmentBytes: 2048, retentionMs: 1000, now: () => now },
      c.logger,
    )
    for (let i = 0; i < 60; i++) await log.append('t', [rec(i, 'k', 1000 + i * 100)])
    await log.commit('t', 'slow', { 0: 1 })
    now = 1e9
    await log.enforceRetention()
    const line = c.lines().find((l) => l.group === 'slow')
    assert.ok(line, 'the slow group is named')
    assert.equal(line.committed, 1)
    await log.close()
  })
})
