// The simple file log: durable appends read back in order, group commit under concurrency,
// recovery that cuts a torn or corrupt tail (and says so), and consumer group offsets.
import assert from 'node:assert/strict'
import { mkdtemp, open, readFile, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { createLogger } from '../../telemetry/logger.ts'
import { FileLog } from './file-log.ts'
import { decodeRecord, encodeRecord } from './record-format.ts'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'clickflow-log-'))
  dirs.push(d)
  return d
}

function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  return {
    logger: createLogger({ level: 'info', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

const opts = { flushIntervalMs: 0, maxBatchBytes: 1024 * 1024 }
const rec = (i: number) => ({
  key: `k${i % 7}`,
  value: Buffer.from(`value-${i}`),
  timestamp: 1_700_000_000_000 + i,
})

describe('record format', () => {
  test('round-trips and detects every kind of damage', () => {
    const b = encodeRecord(123.5, null, Buffer.from('hello'))
    const r = decodeRecord(b, 0)
    assert.ok(r.ok)
    assert.equal(r.key, null)
    assert.equal(r.timestamp, 123.5)
    assert.equal(r.value.toString(), 'hello')
    assert.deepEqual(decodeRecord(b.subarray(0, b.length - 1), 0), { ok: false, reason: 'incomplete' })
    const flipped = Buffer.from(b)
    flipped[flipped.length - 2]! ^= 0xff
    assert.deepEqual(decodeRecord(flipped, 0), { ok: false, reason: 'bad_crc' })
    const badLength = Buffer.from(b)
    badLength.writeUInt32BE(3, 0)
    assert.deepEqual(decodeRecord(badLength, 0), { ok: false, reason: 'bad_length' })
  })
})

describe('FileLog', () => {
  test('concurrent appends are all durable, in order, and readable from any offset', async () => {
    const dir = await tempDir()
    const { logger } = capture()
    const log = new FileLog({ dir, ...opts }, logger)
    // 200 appends of 10 records in flight at once: group commit writes them in few fsyncs.
    await Promise.all(
      Array.from({ length: 200 }, (_, a) =>
        log.append(
          't',
          Array.from({ length: 10 }, (_, j) => rec(a * 10 + j)),
        ),
      ),
    )
    assert.deepEqual(await log.endOffsets('t'), { 0: 2000 })
    const all = []
    for (let o = 0; o < 2000; ) {
      const batch = await log.read('t', 0, o, 333)
      all.push(...batch)
      o += batch.length
    }
    assert.equal(all.length, 2000)
    assert.deepEqual(
      all.map((r) => r.offset),
      Array.from({ length: 2000 }, (_, i) => i),
    )
    // Each append's records stay contiguous and in order.
    for (let a = 0; a < 200; a++) {
      const start = all.findIndex((r) => r.value.toString() === `value-${a * 10}`)
      for (let j = 0; j < 10; j++) assert.equal(all[start + j]!.value.toString(), `value-${a * 10 + j}`)
    }
    await log.close()
    const reopened = new FileLog({ dir, ...opts }, logger)
    assert.deepEqual(await reopened.endOffsets('t'), { 0: 2000 })
    assert.equal((await reopened.read('t', 0, 1999, 10))[0]!.value.toString(), all[1999]!.value.toString())
    await reopened.close()
  })

  test('a torn tail is cut on open and reported; earlier records are intact', async () => {
    const dir = await tempDir()
    const log = new FileLog({ dir, ...opts }, capture().logger)
    for (let i = 0; i < 50; i++) await log.append('t', [rec(i)])
    await log.close()
    const file = join(dir, 't', 'partition-0.log')
    const { size } = await stat(file)
    await truncate(file, size - 3)
    const c = capture()
    const again = new FileLog({ dir, ...opts }, c.logger)
    assert.deepEqual(await again.endOffsets('t'), { 0: 49 })
    assert.equal((await again.read('t', 0, 48, 1))[0]!.value.toString(), 'value-48')
    const warning = c.lines().find((l) => l.reason === 'torn_tail')
    assert.ok(warning, 'recovery logs what it cut')
    assert.ok(Number(warning.cut_bytes) > 0)
    // Appends continue after the cut.
    await again.append('t', [rec(99)])
    assert.equal((await again.read('t', 0, 49, 1))[0]!.value.toString(), 'value-99')
    await again.close()
  })

  test('a flipped byte in the last records is detected by CRC and cut from there', async () => {
    const dir = await tempDir()
    const log = new FileLog({ dir, ...opts }, capture().logger)
    for (let i = 0; i < 20; i++) await log.append('t', [rec(i)])
    await log.close()
    const file = join(dir, 't', 'partition-0.log')
    const bytes = await readFile(file)
    let start = 0
    for (let i = 0; i < 18; i++) {
      const r = decodeRecord(bytes, start)
      assert.ok(r.ok)
      start += r.size
    }
    const fh = await open(file, 'r+')
    const at = start + 25 // inside record 18's value
    await fh.write(Buffer.from([bytes[at]! ^ 0x01]), 0, 1, at)
    await fh.close()
    const c = capture()
    const again = new FileLog({ dir, ...opts }, c.logger)
    assert.deepEqual(await again.endOffsets('t'), { 0: 18 })
    const records = await again.read('t', 0, 0, 100)
    assert.deepEqual(
      records.map((r) => r.value.toString()),
      Array.from({ length: 18 }, (_, i) => `value-${i}`),
    )
    assert.ok(c.lines().some((l) => l.reason === 'bad_crc'))
    await again.close()
  })

  test('consumer group offsets are committed durably and per group', async () => {
    const dir = await tempDir()
    const log = new FileLog({ dir, ...opts }, capture().logger)
    await log.append('t', [rec(1), rec(2), rec(3)])
    assert.deepEqual(await log.committed('t', 'a'), {})
    await log.commit('t', 'a', { 0: 2 })
    await log.commit('t', 'b', { 0: 1 })
    await log.close()
    const again = new FileLog({ dir, ...opts }, capture().logger)
    assert.deepEqual(await again.committed('t', 'a'), { 0: 2 })
    assert.deepEqual(await again.committed('t', 'b'), { 0: 1 })
    await again.close()
  })

  test('waitForData wakes on an append and returns at the timeout otherwise', async () => {
    const dir = await tempDir()
    const log = new FileLog({ dir, ...opts }, capture().logger)
    await log.partitions('t')
    let woke = false
    const waiting = log.waitForData('t', { 0: 0 }, 60_000).then(() => {
      woke = true
    })
    await log.append('t', [rec(1)])
    await waiting
    assert.ok(woke)
    await log.waitForData('t', { 0: 1 }, 10) // nothing new: returns at the timeout
    await log.close()
    await assert.rejects(log.append('t', [rec(2)]), /closed/)
  })
})
