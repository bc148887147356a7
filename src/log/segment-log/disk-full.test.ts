// Disk full and I/O errors: appends in the failing cycle are refused with a TransportError (the
// collector turns it into 503), files go back to their durable end, nothing acknowledged is lost,
// and appends succeed again once the disk has room. Injected faults make it deterministic; a real
// 2 MB tmpfs checks the same against the kernel when this machine lets the test mount one.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { TransportError, toHttpError } from '../../core/errors.ts'
import { faultyFs } from './faulty-fs.ts'
import { nodeFs } from './fs-facade.ts'
import { openTestLog, readAll, rec, removeTempDirs, tempDir, withoutDurableWrites } from './testing.ts'

after(removeTempDirs)

const segmentFile = (dir: string, p: number) => join(dir, 't', `partition-${p}`, '00000000000000000000.log')

describe('disk full and I/O errors', () => {
  const bases = [
    ['O_DSYNC segments', nodeFs],
    ['write + fdatasync', withoutDurableWrites(nodeFs)],
  ] as const
  for (const [mode, base] of bases)
    for (const fault of ['write', 'datasync'] as const) {
      test(`a failing ${fault} refuses the cycle cleanly and the log recovers (${mode})`, async () => {
        const dir = await tempDir()
        const { fs, faults } = faultyFs(base)
        const log = await openTestLog(dir, { fs })
        const acked: string[] = []
        await log.append(
          't',
          Array.from({ length: 20 }, (_, i) => rec(i)),
        )
        for (let i = 0; i < 20; i++) acked.push(`value-${i}`)
        const sizes = await Promise.all([0, 1].map(async (p) => (await stat(segmentFile(dir, p))).size))

        faults[fault] = fault === 'write' ? 'ENOSPC' : 'EIO'
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, a) => log.append('t', [rec(100 + a), rec(200 + a)])),
        )
        for (const r of results) {
          assert.equal(r.status, 'rejected')
          const err = (r as PromiseRejectedResult).reason
          assert.ok(err instanceof TransportError)
          assert.equal(err.code, fault === 'write' ? 'log_disk_full' : 'log_write_failed')
          assert.equal(toHttpError(err).status, 503, 'the collector answers 503')
        }
        // Back at the durable end: nothing of the refused cycle is on disk or readable.
        for (const p of [0, 1]) assert.equal((await stat(segmentFile(dir, p))).size, sizes[p])
        const readable = async () =>
          [...(await readAll(log, 't', 0)), ...(await readAll(log, 't', 1))]
            .map((r) => r.value.toString())
            .sort()
        assert.deepEqual(await readable(), [...acked].sort())

        faults[fault] = null
        await log.append('t', [rec(300), rec(301)])
        acked.push('value-300', 'value-301')
        assert.deepEqual(await readable(), [...acked].sort())
        await log.close()
        const again = await openTestLog(dir)
        const all = [...(await readAll(again, 't', 0)), ...(await readAll(again, 't', 1))]
        assert.deepEqual(all.map((r) => r.value.toString()).sort(), [...acked].sort())
        await again.close()
      })
    }

  test('when cutting back fails too, the next cycle cuts before it writes', async () => {
    const dir = await tempDir()
    const { fs, faults } = faultyFs()
    const log = await openTestLog(dir, { fs, partitions: 1 })
    await log.append('t', [rec(0)])
    faults.write = 'ENOSPC'
    faults.truncate = 'EIO'
    await assert.rejects(log.append('t', [rec(1)]), TransportError)
    const dirty = (await stat(segmentFile(dir, 0))).size
    faults.write = null
    await assert.rejects(log.append('t', [rec(2)]), /EIO/, 'cannot write while the tail cannot be cut')
    faults.truncate = null
    await log.append('t', [rec(3)])
    assert.ok((await stat(segmentFile(dir, 0))).size < dirty + 100)
    assert.deepEqual(
      (await readAll(log, 't', 0)).map((r) => r.value.toString()),
      ['value-0', 'value-3'],
    )
    await log.close()
  })

  test('on a real 2 MB tmpfs: ENOSPC refuses appends, acknowledged records survive, space returns', async (t) => {
    const mnt = await tempDir('clickflow-tmpfs-')
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' })
    } catch (err) {
      t.skip(`cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`)
      return
    }
    try {
      const dir = join(mnt, 'log')
      await mkdir(dir)
      const filler = join(mnt, 'filler')
      await writeFile(filler, Buffer.alloc(512 * 1024))
      const log = await openTestLog(dir, { segmentBytes: 256 * 1024 })
      const acked = new Set<string>()
      let refused = 0
      const value = 'x'.repeat(600)
      for (let round = 0; round < 200 && refused < 5; round++) {
        const batch = Array.from({ length: 20 }, (_, i) => ({
          key: `v${i}`,
          value: Buffer.from(`${round}-${i}-${value}`),
          timestamp: round,
        }))
        try {
          await log.append('t', batch)
          for (const r of batch) acked.add(r.value.toString())
        } catch (err) {
          assert.ok(err instanceof TransportError, String(err))
          assert.equal(err.code, 'log_disk_full')
          refused++
        }
      }
      assert.ok(refused > 0, 'the tmpfs filled up')
      assert.ok(acked.size > 0)
      await rm(filler)
      await log.append('t', [{ key: 'after', value: Buffer.from('after'), timestamp: 1 }])
      acked.add('after')
      await log.close()
      const again = await openTestLog(dir)
      const all = [...(await readAll(again, 't', 0)), ...(await readAll(again, 't', 1))].map((r) =>
        r.value.toString(),
      )
      assert.equal(all.length, acked.size, 'every acknowledged record exactly once, nothing else')
      assert.deepEqual(new Set(all), acked)
      await again.close()
    } finally {
      execFileSync('umount', [mnt])
    }
  })
})
