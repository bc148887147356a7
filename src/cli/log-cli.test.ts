// The `clickflow log` commands against a log that a live writer keeps appending to: topics, inspect
// (offsets, segments, group lag), tail (prints JSON lines, follows new records, stops on SIGINT with
// exit 0), and the exit codes of mistakes (2 for usage, 1 for a topic that does not exist).
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, test } from 'node:test'
import { clickflowArgs } from '../../test/helpers/compiled-cli.ts'
import { emptyEvent } from '../core/event.ts'
import { eventRecord } from '../log/envelope.ts'
import type { SegmentLog } from '../log/segment-log/segment-log.ts'
import { openTestLog, removeTempDirs, tempDir } from '../log/segment-log/testing.ts'

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, clickflowArgs(['log', ...args]), {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = cli(args)
  let stdout = ''
  let stderr = ''
  p.stdout!.on('data', (d) => (stdout += d))
  p.stderr!.on('data', (d) => (stderr += d))
  const code = await new Promise<number | null>((resolve) => p.on('exit', resolve))
  return { code, stdout, stderr }
}

// Even records in the binary event format sources write, odd ones as JSON (logs of older versions):
// tail prints both as JSON.
const event = (i: number) => ({
  key: `visitor-${i % 5}`,
  value:
    i % 2 === 0
      ? eventRecord(
          emptyEvent({
            event_id: `e${i}`,
            event_type: 'pageview',
            event_time: 1_700_000_000_000 + i * 1000,
            received_at: 1_700_000_000_000 + i * 1000,
            source_id: 'collector',
          }),
        ).value
      : Buffer.from(JSON.stringify({ event: { event_id: `e${i}`, name: 'page' } })),
  timestamp: 1_700_000_000_000 + i * 1000,
})

describe('clickflow log', () => {
  let dataDir: string
  let log: SegmentLog
  before(async () => {
    dataDir = await tempDir('clickflow-cli-')
    log = await openTestLog(join(dataDir, 'log'), { partitions: 2, segmentBytes: 4096 })
    for (let i = 0; i < 100; i++) await log.append('events', [event(i)])
    await log.commit('events', 'pipeline', { 0: 3, 1: 4 })
  })
  after(async () => {
    await log.close()
    await removeTempDirs()
  })

  test('topics lists partitions, records, segments and groups', async () => {
    const r = await run(['topics', '--data-dir', dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^TOPIC\s+PARTITIONS\s+RECORDS\s+BYTES\s+SEGMENTS\s+GROUPS$/m)
    assert.match(r.stdout, /^events\s+2\s+100\s+[\d.]+ KiB\s+\d+\s+pipeline$/m)
  })

  test('inspect shows offsets, segments with time ranges, and lag per group', async () => {
    const end = (await log.endOffsets('events'))[1]!
    const r = await run(['inspect', 'events', '1', '--data-dir', dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`end offset\\s+${end}`))
    assert.match(r.stdout, /segments \(\d+, the last is active\)/)
    assert.match(r.stdout, /^\s+0\s+\d+\s+\d+\s+[\d.]+ (KiB|B)\s+2023-11-14T[\d:.]+Z\s+2023-11-14T[\d:.]+Z/m)
    assert.match(r.stdout, new RegExp(`^\\s+pipeline\\s+4\\s+${end - 4}$`, 'm'))
  })

  test('mistakes: a bad partition is a usage error (2), an unknown topic a failure (1)', async () => {
    const bad = await run(['inspect', 'events', '7', '--data-dir', dataDir])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /PARTITION must be a number from 0 to 1/)
    const unknown = await run(['tail', 'nope', '--data-dir', dataDir])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no topic "nope".*topics: events/)
  })

  test('tail prints every record as JSON, follows new appends, and exits 0 on Ctrl+C', async () => {
    const p = cli(['tail', 'events', '--from-beginning', '--data-dir', dataDir])
    const lines: {
      partition: number
      offset: number
      key: string
      value: { event: { event_id: string } }
    }[] = []
    const reader = createInterface({ input: p.stdout! })
    const waitFor = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${lines.length} lines`)), 20_000)
        const check = () => {
          if (lines.length >= n) {
            clearTimeout(timer)
            reader.off('line', check)
            resolve()
          }
        }
        reader.on('line', check)
        check()
      })
    reader.on('line', (l) => lines.push(JSON.parse(l)))
    await waitFor(100)
    for (let i = 100; i < 110; i++) await log.append('events', [event(i)])
    await waitFor(110)
    const exited = new Promise<number | null>((resolve) => p.on('exit', resolve))
    p.kill('SIGINT')
    assert.equal(await exited, 0)
    assert.deepEqual(
      lines.map((l) => l.value.event.event_id).sort(),
      Array.from({ length: 110 }, (_, i) => `e${i}`).sort(),
    )
    for (const part of [0, 1]) {
      const offsets = lines.filter((l) => l.partition === part).map((l) => l.offset)
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `partition ${part} in offset order`,
      )
    }
  })
})
