// Overlapping cycles: the next cycle writes while the previous one waits for fdatasync. These tests
// hold a cycle's fdatasync open to force the overlap, then check the two promises the log makes:
// acknowledgements follow cycle order, and a failed cycle takes every cycle written on top of it
// down with it, leaving only acknowledged records readable, before and after a reopen.
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { Metrics } from '../../telemetry/metrics.ts'
import type { LogFile, LogFs } from './fs-facade.ts'
import { nodeFs } from './fs-facade.ts'
import {
  openTestLog,
  readAll,
  readValues,
  rec,
  removeTempDirs,
  tempDir,
  withoutDurableWrites,
} from './testing.ts'

after(removeTempDirs)

const segmentSize = async (dir: string) =>
  (await stat(join(dir, 't', 'partition-0', '00000000000000000000.log'))).size

/** Waits until the second cycle's bytes are in the file behind the held first cycle's. */
async function secondWritten(dir: string, size: number): Promise<void> {
  for (let i = 0; i < 200 && (await segmentSize(dir)) <= size; i++) await new Promise((r) => setTimeout(r, 5))
  assert.ok((await segmentSize(dir)) > size, 'the next cycle writes while the previous one syncs')
}

/**
 * An fs whose next `.log` sync waits until the test releases it, then succeeds or fails. The sync is
 * the fdatasync, or on a segment whose writes are durable by themselves (O_DSYNC) the write's own
 * wait: its bytes land, and the call returns once released.
 */
function gatedFs(base: LogFs): {
  fs: LogFs
  hold: () => void
  release: (fail: boolean) => void
  held: () => Promise<void>
} {
  let holding = false
  let gate: { release: (fail: boolean) => void } | null = null
  let onHeld: () => void = () => undefined
  let heldPromise = new Promise<void>((r) => (onHeld = r))
  const wait = async () => {
    if (!holding) return
    holding = false
    const fail = await new Promise<boolean>((r) => {
      gate = { release: r }
      onHeld()
    })
    if (fail) throw Object.assign(new Error('EIO: injected by the test'), { code: 'EIO' })
  }
  const fs: LogFs = {
    ...base,
    async open(path, mode) {
      const file = await base.open(path, mode)
      if (!path.endsWith('.log')) return file
      const wrapped: LogFile = {
        ...file,
        async write(buf, offset, length, position) {
          const n = await file.write(buf, offset, length, position)
          if (file.durableWrites) await wait()
          return n
        },
        async datasync() {
          await wait()
          return file.datasync()
        },
      }
      return wrapped
    },
  }
  return {
    fs,
    hold: () => {
      holding = true
      heldPromise = new Promise<void>((r) => (onHeld = r))
    },
    release: (fail) => gate?.release(fail),
    held: () => heldPromise,
  }
}

const settledOrder = (promises: Promise<void>[]) => {
  const order: number[] = []
  const all = Promise.allSettled(promises.map((p, i) => p.then(() => void order.push(i))))
  return { order, all }
}

const bases = [
  ['O_DSYNC segments', nodeFs],
  ['write + fdatasync', withoutDurableWrites(nodeFs)],
] as const

for (const [mode, base] of bases)
  describe(`group commit with overlapping cycles (${mode})`, () => {
    test('a later cycle that syncs first is acknowledged only after the earlier one', async () => {
      const dir = await tempDir()
      const g = gatedFs(base)
      const log = await openTestLog(dir, { fs: g.fs, partitions: 1 })
      await log.append('t', [rec(0)])
      g.hold()
      const first = log.append('t', [rec(1)])
      await g.held()
      const afterFirst = await segmentSize(dir)
      // The first cycle waits in fdatasync; the second writes and syncs behind it.
      const second = log.append('t', [rec(2)])
      const { order, all } = settledOrder([first, second])
      await secondWritten(dir, afterFirst)
      await new Promise((r) => setTimeout(r, 20))
      assert.deepEqual(order, [], 'nothing is acknowledged while the first fdatasync is open')
      g.release(false)
      await all
      assert.deepEqual(order, [0, 1])
      const values = await readValues(log, 't', 0)
      assert.deepEqual(values, [
        [0, 'value-0'],
        [1, 'value-1'],
        [2, 'value-2'],
      ])
      await log.close()
    })

    test('when the earlier cycle fails, the cycle written on top of it is refused too and cut', async () => {
      const dir = await tempDir()
      const g = gatedFs(base)
      const log = await openTestLog(dir, { fs: g.fs, partitions: 1 })
      await log.append('t', [rec(0)])
      g.hold()
      const first = log.append('t', [rec(1)])
      await g.held()
      const afterFirst = await segmentSize(dir)
      const second = log.append('t', [rec(2), rec(3)])
      await secondWritten(dir, afterFirst)
      g.release(true)
      const results = await Promise.allSettled([first, second])
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      )
      assert.deepEqual(
        (await readAll(log, 't', 0)).map((r) => r.value.toString()),
        ['value-0'],
      )
      // The log goes on from its durable end, with contiguous offsets.
      await log.append('t', [rec(4)])
      await log.append('t', [rec(5)])
      const expected = [
        [0, 'value-0'],
        [1, 'value-4'],
        [2, 'value-5'],
      ]
      assert.deepEqual(await readValues(log, 't', 0), expected)
      await log.close()
      const again = await openTestLog(dir, { partitions: 1 })
      assert.deepEqual(await readValues(again, 't', 0), expected)
      await again.close()
    })

    test('a segment rolls only after the batch in flight is tracked in its indexes', async () => {
      const dir = await tempDir()
      const g = gatedFs(base)
      // Segments of ~1 record: every append rolls.
      const log = await openTestLog(dir, { fs: g.fs, partitions: 1, segmentBytes: 100 })
      await log.append('t', [rec(0)])
      g.hold()
      const first = log.append('t', [rec(1)])
      await g.held()
      const second = log.append('t', [rec(2)])
      g.release(false)
      await Promise.all([first, second])
      await log.close()
      const again = await openTestLog(dir, { partitions: 1, segmentBytes: 100 })
      assert.deepEqual(await readValues(again, 't', 0), [
        [0, 'value-0'],
        [1, 'value-1'],
        [2, 'value-2'],
      ])
      await again.close()
    })

    test('acknowledged appends are counted in the metrics while the next cycle is on the disk', async () => {
      const dir = await tempDir()
      const g = gatedFs(base)
      const metrics = new Metrics({ defaultMetrics: false })
      const log = await openTestLog(dir, { fs: g.fs, partitions: 1 }, undefined, metrics)
      const counted = async () => ({
        records: (await metrics.logAppendedRecords.get()).values.find((v) => v.labels.topic === 't')?.value,
        appends: (await metrics.logAppendSeconds.get()).values.find(
          (v) => v.metricName === 'clickflow_log_append_seconds_count' && v.labels.topic === 't',
        )?.value,
      })
      await log.partitions('t') // open: appends get the batch's own promise, without extra hops
      // As an appender does: the next append right when the previous one is acknowledged, so the
      // next cycle starts before the acknowledged one has wound down.
      let next: Promise<void> | null = null
      await Promise.all([
        log.append('t', [rec(0), rec(1)]).then(() => {
          g.hold()
          next = log.append('t', [rec(3)])
        }),
        log.append('t', [rec(2)]),
      ])
      await g.held()
      // The next cycle waits on the disk: the acknowledged appends are counted by now, it is not.
      assert.deepEqual(await counted(), { records: 3, appends: 2 })
      g.release(true)
      await assert.rejects(next!)
      await log.close()
      assert.deepEqual(await counted(), { records: 3, appends: 2 }, 'a refused append is not counted')
    })
  })
