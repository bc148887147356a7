// Appends queue in batches that share one promise; a cycle carries one batch. These tests pin what
// that must not change: max_batch_bytes still bounds a cycle (whole appends, at least one), an
// append bigger than the bound still goes alone, offsets follow the order of the appends, and a
// refused batch refuses every append in it and nothing else.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { Metrics } from '../../telemetry/metrics.ts'
import { faultyFs } from './faulty-fs.ts'
import { openTestLog, readValues, removeTempDirs, tempDir } from './testing.ts'

after(removeTempDirs)

/** A record of exactly 10 key + value bytes, what max_batch_bytes counts. */
const ten = (i: number) => ({ key: 'k', value: Buffer.from(`v-${String(i).padStart(6, '0')}`), timestamp: i })

const cycles = async (metrics: Metrics) =>
  (await metrics.logFsyncSeconds.get()).values.find(
    (v) => v.metricName === 'clickflow_log_fsync_seconds_count',
  )?.value ?? 0

describe('append batches', () => {
  test('max_batch_bytes bounds each cycle to whole appends; a bigger append goes alone', async () => {
    const dir = await tempDir()
    const metrics = new Metrics({ defaultMetrics: false })
    const log = await openTestLog(dir, { partitions: 1, maxBatchBytes: 25 }, undefined, metrics)
    await log.partitions('t')
    // Ten appends of 10 bytes at once: two fit in 25 bytes, so five cycles; then one append of 30
    // bytes, more than the bound on its own: a sixth cycle.
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => log.append('t', [ten(i)])),
      log.append('t', [ten(10), ten(11), ten(12)]),
    ])
    assert.equal(await cycles(metrics), 6)
    assert.deepEqual(
      await readValues(log, 't', 0),
      Array.from({ length: 13 }, (_, i) => [i, `v-${String(i).padStart(6, '0')}`]),
    )
    await log.close()
  })

  test('a refused batch refuses each of its appends, and the batch written on top of it', async () => {
    const dir = await tempDir()
    const { fs, faults } = faultyFs()
    const log = await openTestLog(dir, { fs, partitions: 1, maxBatchBytes: 25 })
    await log.partitions('t')
    await log.append('t', [ten(0)])
    faults.write = 'ENOSPC'
    // Two appends make the first batch; the third starts the next one, whose cycle begins while
    // the first is on the disk.
    const results = await Promise.allSettled([
      log.append('t', [ten(1)]),
      log.append('t', [ten(2)]),
      log.append('t', [ten(3)]),
    ])
    faults.write = null
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    )
    const [a, b] = results as PromiseRejectedResult[]
    assert.equal(a!.reason, b!.reason, 'the appends of a batch share its refusal')
    assert.equal(a!.reason.code, 'log_disk_full')
    await log.append('t', [ten(4)])
    assert.deepEqual(await readValues(log, 't', 0), [
      [0, 'v-000000'],
      [1, 'v-000004'],
    ])
    await log.close()
  })
})
