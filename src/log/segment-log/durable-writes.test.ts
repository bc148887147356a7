// Segments are written with O_DSYNC where the platform has it: each write is durable when it returns,
// so a cycle makes one call per partition instead of a write and then an fdatasync. These tests check
// that the flag really reaches the kernel, that the log then makes no fdatasync of its own on
// segments (and one per partition and cycle without the flag), and that what was written that way
// reads back whole, CRC-checked, after a reopen.
import assert from 'node:assert/strict'
import { constants } from 'node:fs'
import { readdir, readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { type LogFile, type LogFs, nodeFs } from './fs-facade.ts'
import { Partitioner } from './partitioner.ts'
import { openTestLog, readAll, rec, removeTempDirs, tempDir, withoutDurableWrites } from './testing.ts'

after(removeTempDirs)

const linux = process.platform === 'linux'

/** The open flags the kernel holds for `path` in this process (from /proc), or null if not open. */
async function openFlags(path: string): Promise<number | null> {
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target !== path) continue
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8')
    const flags = /^flags:\s+([0-7]+)$/m.exec(info)?.[1]
    if (flags !== undefined) return Number.parseInt(flags, 8)
  }
  return null
}

/** `base` counting the fdatasync calls made on `.log` files. */
function countingFs(base: LogFs): { fs: LogFs; syncs: () => number } {
  let syncs = 0
  return {
    fs: {
      ...base,
      async open(path, mode) {
        const file = await base.open(path, mode)
        if (!path.endsWith('.log')) return file
        const counted: LogFile = {
          ...file,
          datasync: () => {
            syncs++
            return file.datasync()
          },
        }
        return counted
      },
    },
    syncs: () => syncs,
  }
}

describe('durable segment writes', () => {
  test('a segment opened durable carries O_DSYNC in the kernel; readwrite does not', {
    skip: !linux && 'reads /proc',
  }, async () => {
    const dir = await tempDir()
    const durable = await nodeFs.open(join(dir, 'a.log'), 'durable')
    const plain = await nodeFs.open(join(dir, 'b.log'), 'readwrite')
    try {
      assert.equal(durable.durableWrites, true)
      assert.equal(plain.durableWrites, false)
      const a = await openFlags(join(dir, 'a.log'))
      const b = await openFlags(join(dir, 'b.log'))
      assert.ok(a !== null && b !== null, 'both files are open')
      assert.equal(a & constants.O_DSYNC, constants.O_DSYNC)
      assert.equal(b & constants.O_DSYNC, 0)
    } finally {
      await durable.close()
      await plain.close()
    }
  })

  test('with O_DSYNC segments the log makes no fdatasync of its own, and the records read back', {
    skip: !linux && 'O_DSYNC',
  }, async () => {
    const dir = await tempDir()
    const { fs, syncs } = countingFs(nodeFs)
    const log = await openTestLog(dir, { fs })
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append('t', [rec(i)])))
    await log.append(
      't',
      Array.from({ length: 50 }, (_, i) => rec(1000 + i)),
    )
    assert.equal(syncs(), 0)
    await log.close()
    // Reopening scans the active segments and checks every batch's CRC: all of it is whole.
    const again = await openTestLog(dir)
    const values = [...(await readAll(again, 't', 0)), ...(await readAll(again, 't', 1))].map((r) =>
      r.value.toString(),
    )
    assert.equal(values.length, 250)
    assert.equal(new Set(values).size, 250)
    await again.close()
  })

  test('without O_DSYNC every cycle fdatasyncs each partition it wrote', async () => {
    const dir = await tempDir()
    const { fs, syncs } = countingFs(withoutDurableWrites(nodeFs))
    const log = await openTestLog(dir, { fs, partitions: 2 })
    // One append after another: one cycle each, into the partition its key picks.
    for (let i = 0; i < 6; i++) await log.append('t', [rec(i)])
    assert.equal(syncs(), 6)
    // Two records whose keys land in different partitions, in one append: one cycle, two syncs.
    const partitioner = new Partitioner()
    const byPartition = new Map<number, string>()
    for (let i = 0; byPartition.size < 2; i++) byPartition.set(partitioner.partition(`v${i}`, 2), `v${i}`)
    await log.append(
      't',
      [...byPartition.values()].map((key) => ({ key, value: Buffer.from(key), timestamp: 2 })),
    )
    assert.equal(syncs(), 8)
    await log.close()
  })

  test('closing a segment file waits for its writes in flight', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.log')
    const file = await nodeFs.open(path, 'durable')
    const data = Buffer.alloc(32 << 20, 7)
    const order: string[] = []
    const write = file.write(data, 0, data.length, 0).then((n) => {
      order.push('write')
      return n
    })
    const close = file.close().then(() => order.push('close'))
    await Promise.all([write, close])
    assert.deepEqual(order, ['write', 'close'])
    assert.equal(await write, data.length)
    assert.equal((await stat(path)).size, data.length)
  })
})
