// Recovery on open: a flipped byte and a truncated tail in the last segment are detected, cut and
// reported (file, bytes cut, reason) with every earlier record intact; a damaged or stale index of a
// sealed segment is rebuilt from the log instead of being trusted.
import assert from 'node:assert/strict'
import { open, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { readBatchHeader } from './record-batch.ts'
import { captureLogger, openTestLog, readAll, rec, removeTempDirs, tempDir } from './testing.ts'

after(removeTempDirs)

const one = { partitions: 1 }

async function lastSegment(dir: string): Promise<string> {
  const p = join(dir, 't', 'partition-0')
  const logs = (await readdir(p)).filter((f) => f.endsWith('.log')).sort()
  return join(p, logs[logs.length - 1]!)
}

/** Byte positions of the batches of a segment file. */
async function batchPositions(file: string): Promise<number[]> {
  const bytes = await readFile(file)
  const out: number[] = []
  for (let at = 0; at < bytes.length; ) {
    const h = readBatchHeader(bytes, at)
    assert.equal(h.kind, 'ok')
    if (h.kind !== 'ok') break
    out.push(at)
    at += h.header.size
  }
  return out
}

describe('recovery', () => {
  test('a truncated tail is cut and reported; earlier records are intact and appends go on', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, one)
    for (let i = 0; i < 50; i++) await log.append('t', [rec(i)])
    await log.close()
    const file = await lastSegment(dir)
    const { size } = await stat(file)
    await truncate(file, size - 3)
    const c = captureLogger()
    const again = await openTestLog(dir, one, c.logger)
    assert.deepEqual(await again.endOffsets('t'), { 0: 49 })
    assert.deepEqual(
      (await readAll(again, 't', 0)).map((r) => r.value.toString()),
      Array.from({ length: 49 }, (_, i) => `value-${i}`),
    )
    const line = c.lines().find((l) => l.reason === 'torn_tail')
    assert.ok(line, 'recovery logs what it cut')
    assert.equal(line.file, file)
    assert.equal(line.cut_bytes, size - 3 - (line.valid_bytes as number))
    assert.equal((await stat(file)).size, line.valid_bytes)
    await again.append('t', [rec(99)])
    assert.equal((await again.read('t', 0, 49, 1))[0]!.value.toString(), 'value-99')
    await again.close()
  })

  test('a flipped byte is caught by the CRC-32C and cut from that batch on', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, one)
    for (let i = 0; i < 20; i++) await log.append('t', [rec(i)])
    await log.close()
    const file = await lastSegment(dir)
    const positions = await batchPositions(file)
    const fh = await open(file, 'r+')
    const at = positions[17]! + 70 // inside batch 17's record
    const b = Buffer.alloc(1)
    await fh.read(b, 0, 1, at)
    b[0]! ^= 0x01
    await fh.write(b, 0, 1, at)
    await fh.close()
    const c = captureLogger()
    const again = await openTestLog(dir, one, c.logger)
    assert.deepEqual(await again.endOffsets('t'), { 0: 17 })
    assert.deepEqual(
      (await readAll(again, 't', 0)).map((r) => r.value.toString()),
      Array.from({ length: 17 }, (_, i) => `value-${i}`),
    )
    const line = c.lines().find((l) => l.reason === 'bad_crc')
    assert.ok(line)
    assert.equal(line.valid_bytes, positions[17])
    await again.close()
  })

  test('zeros after the last batch (a tail the file system extended but never wrote) are cut', async () => {
    const dir = await tempDir()
    const log = await openTestLog(dir, one)
    for (let i = 0; i < 5; i++) await log.append('t', [rec(i)])
    await log.close()
    const file = await lastSegment(dir)
    await writeFile(file, Buffer.alloc(4096), { flag: 'a' })
    const c = captureLogger()
    const again = await openTestLog(dir, one, c.logger)
    assert.deepEqual(await again.endOffsets('t'), { 0: 5 })
    assert.ok(c.lines().some((l) => l.reason === 'bad_length' && l.cut_bytes === 4096))
    await again.close()
  })

  test('a damaged index of a sealed segment is not trusted: it is rebuilt from the log', async () => {
    const dir = await tempDir()
    const opts = { partitions: 1, segmentBytes: 4096 }
    const log = await openTestLog(dir, opts)
    for (let i = 0; i < 200; i++) await log.append('t', [rec(i)])
    await log.close()
    const p = join(dir, 't', 'partition-0')
    const index = join(p, '00000000000000000000.index')
    const entries = await readFile(index)
    assert.ok(entries.length >= 16, 'the sealed segment has index entries')
    // Point the second entry one byte off: a lookup through it would land inside a batch.
    entries.writeUInt32BE(entries.readUInt32BE(12) + 1, 12)
    await writeFile(index, entries)
    await writeFile(join(p, '00000000000000000000.timeindex'), Buffer.alloc(7))
    const again = await openTestLog(dir, opts)
    for (let from = 0; from < 200; from += 7)
      assert.equal((await again.read('t', 0, from, 1))[0]!.offset, from)
    assert.equal((await readAll(again, 't', 0)).length, 200)
    await again.close()
    assert.notDeepEqual(await readFile(index), entries, 'the rebuilt index was written back')
  })
})
