// The file_tail source against real files in a temp directory: rotation (rename + create,
// copy-truncate, delete + recreate), many files, fairness, partial lines, restarts from the position
// file, dead letters with line numbers. Each scenario has an exact expected count and no duplicates.
import assert from 'node:assert/strict'
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { MemoryWriter, sourceConformance } from '../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../test/helpers/build-context.ts'
import { pollUntil } from '../../../test/helpers/clickflow-process.ts'
import type { EventWriter, Source } from '../../core/component.ts'
import { decodeEnvelope } from '../../log/envelope.ts'
import { fileTailSource } from './index.ts'

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'file-tail-'))
  dirs.push(d)
  return d
}

/** A source reading `name` lines (`seq-N`) as track events named after the line. */
async function build(
  dir: string,
  dataDir: string,
  glob: string,
  extra: Record<string, unknown> = {},
): Promise<Source> {
  const cfg = fileTailSource.config.parse({
    groups: [{ dir, glob }],
    parser: { format: 'regex', pattern: '^(?<event_name>[\\w.-]+)$', constants: { event_type: 'track' } },
    scan_interval_ms: 50,
    ...extra,
  })
  return fileTailSource.build(cfg, testContext({ id: 'tail', type: 'file_tail', kind: 'source', dataDir }))
}
const lines = (prefix: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${from + i}\n`).join('')
async function expectNames(out: MemoryWriter, expected: number): Promise<string[]> {
  const reached = await pollUntil(async () => out.events.length >= expected, 10_000)
  assert.ok(reached, `only ${out.events.length} of ${expected} events arrived`)
  await new Promise((r) => setTimeout(r, 200)) // anything extra (a duplicate) would show up now
  const names = out.events.map((e) => e.event_name!)
  assert.equal(names.length, expected)
  assert.equal(new Set(names).size, expected, 'duplicates')
  assert.equal(new Set(out.events.map((e) => e.event_id)).size, expected)
  return names
}

describe('file_tail rotation', () => {
  test('rename + create: the renamed file is read to its end, the new one from its start', async () => {
    const dir = tempDir()
    const src = await build(dir, tempDir(), '*.log')
    const out = new MemoryWriter()
    writeFileSync(join(dir, 'app.log'), lines('a', 0, 100))
    await src.start(out)
    await pollUntil(async () => out.events.length === 100, 5000)
    appendFileSync(join(dir, 'app.log'), lines('a', 100, 50)) // written just before the rotation
    renameSync(join(dir, 'app.log'), join(dir, 'app.log.1')) // no longer matches the glob
    writeFileSync(join(dir, 'app.log'), lines('b', 0, 70))
    await expectNames(out, 220)
    await src.stop()
  })

  test('copy-truncate: a file that shrinks is read again from its start', async () => {
    const dir = tempDir()
    const src = await build(dir, tempDir(), 'app.log')
    const out = new MemoryWriter()
    writeFileSync(join(dir, 'app.log'), lines('long-line-before-truncation', 0, 120))
    await src.start(out)
    await pollUntil(async () => out.events.length === 120, 5000)
    copyFileSync(join(dir, 'app.log'), join(dir, 'app.log.1'))
    truncateSync(join(dir, 'app.log'), 0)
    appendFileSync(join(dir, 'app.log'), lines('c', 0, 30))
    const names = await expectNames(out, 150)
    assert.equal(names.filter((n) => n.startsWith('c-')).length, 30)
    await src.stop()
  })

  test('copy-truncate while stopped, refilled past the old offset: the new content is read whole', async () => {
    const dir = tempDir()
    const data = tempDir()
    writeFileSync(join(dir, 'app.log'), lines('first', 0, 50))
    const first = await build(dir, data, 'app.log')
    const out1 = new MemoryWriter()
    await first.start(out1)
    await expectNames(out1, 50)
    await first.stop()
    truncateSync(join(dir, 'app.log'), 0) // same inode, and more bytes than before by restart time
    appendFileSync(join(dir, 'app.log'), lines('second-generation', 0, 80))
    const second = await build(dir, data, 'app.log')
    const out2 = new MemoryWriter()
    await second.start(out2)
    const names = await expectNames(out2, 80)
    assert.ok(names.every((n) => n.startsWith('second-generation-')))
    await second.stop()
  })

  test('delete + recreate: both generations are read exactly once', async () => {
    const dir = tempDir()
    const src = await build(dir, tempDir(), '*.log')
    const out = new MemoryWriter()
    writeFileSync(join(dir, 'app.log'), lines('old', 0, 100))
    await src.start(out)
    await pollUntil(async () => out.events.length === 100, 5000)
    unlinkSync(join(dir, 'app.log'))
    writeFileSync(join(dir, 'app.log'), lines('new', 0, 40))
    await expectNames(out, 140)
    await src.stop()
  })

  test('many small files, and a huge file does not starve them', async () => {
    const dir = tempDir()
    const src = await build(dir, tempDir(), '*.log', { max_lines_per_file: 500 })
    const out = new MemoryWriter()
    writeFileSync(join(dir, 'big.log'), lines('big', 0, 30_000))
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, `small-${i}.log`), lines(`s${i}`, 0, 5))
    await src.start(out)
    await expectNames(out, 31_000)
    // Every small file was finished while the big one was still being read.
    const lastSmall = Math.max(...out.events.map((e, i) => (e.event_name!.startsWith('s') ? i : -1)))
    assert.ok(lastSmall < 5000, `last small-file event at position ${lastSmall}`)
    await src.stop()
  })

  test('new files are noticed within a second, even with a slow rescan', async () => {
    const dir = tempDir()
    const src = await build(dir, tempDir(), '*.log', { scan_interval_ms: 5000 })
    const out = new MemoryWriter()
    await src.start(out)
    await new Promise((r) => setTimeout(r, 100))
    const t0 = Date.now()
    writeFileSync(join(dir, 'late.log'), lines('late', 0, 3))
    await expectNames(out, 3)
    assert.ok(Date.now() - t0 < 1000 + 200)
    await src.stop()
  })
})

describe('file_tail positions and lines', () => {
  test('a partial last line waits for its newline', async () => {
    const dir = tempDir()
    const src = await build(dir, tempDir(), '*.log')
    const out = new MemoryWriter()
    writeFileSync(join(dir, 'p.log'), 'one\ntw')
    await src.start(out)
    await pollUntil(async () => out.events.length === 1, 5000)
    await new Promise((r) => setTimeout(r, 150))
    assert.equal(out.events.length, 1)
    appendFileSync(join(dir, 'p.log'), 'o\n')
    assert.deepEqual(await expectNames(out, 2), ['one', 'two'])
    await src.stop()
  })

  test('a restart resumes at the stored position; unparsable lines are dead letters with line numbers', async () => {
    const dir = tempDir()
    const data = tempDir()
    writeFileSync(join(dir, 'r.log'), `${lines('r', 0, 10)}bad line!\n`)
    const first = await build(dir, data, '*.log')
    const out1 = new MemoryWriter()
    await first.start(out1)
    await pollUntil(async () => out1.events.length === 10 && out1.deadLetters.length === 1, 5000)
    await first.stop()
    const d = out1.deadLetters[0]!
    assert.equal(d.reason, 'no_match')
    assert.deepEqual(JSON.parse(d.payload), {
      file: join(dir, 'r.log'),
      line_number: 11,
      offset: 40,
      line: 'bad line!',
    })
    appendFileSync(join(dir, 'r.log'), `${lines('r', 10, 5)}still bad\n`)
    const second = await build(dir, data, '*.log')
    const out2 = new MemoryWriter()
    await second.start(out2)
    assert.deepEqual(await expectNames(out2, 5), ['r-10', 'r-11', 'r-12', 'r-13', 'r-14'])
    await pollUntil(async () => out2.deadLetters.length === 1, 2000)
    assert.equal(JSON.parse(out2.deadLetters[0]!.payload).line_number, 17)
    await second.stop()
  })
})

describe('file_tail position file', () => {
  test('stopped in a busy stretch (positions not yet due), a restart neither repeats nor skips a line', async () => {
    const dir = tempDir()
    const data = tempDir()
    writeFileSync(join(dir, 'busy.log'), lines('busy', 0, 400))
    // Small rounds, a slow log and no periodic position writes: the stop comes mid-stream.
    const first = await build(dir, data, '*.log', { max_lines_per_file: 10, position_interval_ms: 3_600_000 })
    const out1 = new MemoryWriter()
    const slow: EventWriter = {
      write: async (events) => {
        await new Promise((r) => setTimeout(r, 20))
        await out1.write(events)
      },
      deadLetter: (items) => out1.deadLetter(items),
    }
    await first.start(slow)
    await pollUntil(async () => out1.events.length >= 50, 5000)
    await first.stop()
    const before = out1.events.length
    assert.ok(before < 400, `the whole file was read before the stop (${before} lines)`)
    const second = await build(dir, data, '*.log')
    const out2 = new MemoryWriter()
    await second.start(out2)
    try {
      const names = await expectNames(out2, 400 - before)
      assert.deepEqual(
        names,
        lines('busy', before, 400 - before)
          .trim()
          .split('\n'),
      )
    } finally {
      await second.stop()
    }
  })
})

describe('file_tail starting points', () => {
  test('read_from end skips what files hold at start, not files that appear later (or in a later directory)', async () => {
    const dir = tempDir()
    const later = join(dir, 'later')
    writeFileSync(join(dir, 'old.log'), lines('old', 0, 10))
    const cfg = fileTailSource.config.parse({
      groups: [
        { dir, glob: '*.log' },
        { dir: later, glob: '*.log' },
      ],
      parser: { format: 'regex', pattern: '^(?<event_name>[\\w.-]+)$', constants: { event_type: 'track' } },
      scan_interval_ms: 100,
      read_from: 'end',
    })
    const data = tempDir()
    const src = await fileTailSource.build(
      cfg,
      testContext({ id: 'tail', type: 'file_tail', kind: 'source', dataDir: data }),
    )
    const out = new MemoryWriter()
    await src.start(out)
    await new Promise((r) => setTimeout(r, 300))
    appendFileSync(join(dir, 'old.log'), lines('new', 0, 3))
    mkdirSync(later)
    // A file that appears after the start is new (a rotation's fresh file): read from its beginning.
    writeFileSync(join(later, 'x.log'), lines('x', 0, 2))
    const names = await expectNames(out, 5)
    assert.deepEqual(names.sort(), ['new-0', 'new-1', 'new-2', 'x-0', 'x-1'])
    await src.stop()
    // Lines written while stopped are not skipped on restart: the end position was stored.
    appendFileSync(join(dir, 'old.log'), lines('while-down', 0, 2))
    const again = await fileTailSource.build(
      cfg,
      testContext({ id: 'tail', type: 'file_tail', kind: 'source', dataDir: data }),
    )
    const out2 = new MemoryWriter()
    await again.start(out2)
    assert.deepEqual(await expectNames(out2, 2), ['while-down-0', 'while-down-1'])
    await again.stop()
  })
})

describe('file_tail csv', () => {
  test('the header is read again after a restart, and never stored as a row', async () => {
    const dir = tempDir()
    const data = tempDir()
    const csv = async () => {
      const cfg = fileTailSource.config.parse({
        groups: [{ dir, glob: '*.csv' }],
        parser: { format: 'csv', constants: { event_type: 'track' } },
        scan_interval_ms: 50,
      })
      return fileTailSource.build(
        cfg,
        testContext({ id: 'tail', type: 'file_tail', kind: 'source', dataDir: data }),
      )
    }
    writeFileSync(join(dir, 'e.csv'), 'event_name,visitor_id\nsignup,v1\nlogin,v2\n')
    const first = await csv()
    const out1 = new MemoryWriter()
    await first.start(out1)
    assert.deepEqual(await expectNames(out1, 2), ['signup', 'login'])
    await first.stop()
    appendFileSync(join(dir, 'e.csv'), 'logout,v3\n')
    const second = await csv()
    const out2 = new MemoryWriter()
    await second.start(out2)
    assert.deepEqual(await expectNames(out2, 1), ['logout'])
    assert.equal(out2.events[0]!.visitor_id, 'v3')
    await second.stop()
  })
})

describe('file_tail crash window', () => {
  test('lines appended but not yet in the position file are read again with the same event ids', async () => {
    const dir = tempDir()
    const data = tempDir()
    writeFileSync(join(dir, 'w.log'), lines('w', 0, 20))
    // The log takes the events, then the process "dies" before the position file is written.
    const durable: string[] = []
    const crashing: EventWriter = {
      write: async (events) => {
        durable.push(...events.map((e) => e.event_id))
        return new Promise<void>(() => {})
      },
      deadLetter: async () => {},
    }
    const doomed = await build(dir, data, '*.log')
    await doomed.start(crashing)
    await pollUntil(async () => durable.length === 20, 5000)
    const restarted = await build(dir, data, '*.log')
    const out = new MemoryWriter()
    await restarted.start(out)
    await expectNames(out, 20)
    assert.deepEqual(
      out.events.map((e) => e.event_id),
      durable,
    )
    await restarted.stop()
  })
})

{
  const dir = tempDir()
  let n = 0
  sourceConformance('file_tail', {
    make: () => build(dir, tempDir(), '*.log'),
    async feed(_source, count) {
      appendFileSync(join(dir, 'conf.log'), lines('conf', n, count))
      n += count
      // The suite owns the writer; the directory watch answers within milliseconds, this is slack.
      await new Promise((r) => setTimeout(r, 400))
    },
  })
}

describe('file_tail parse workers', () => {
  test('a backlog parsed on two workers arrives whole, in file order, as log records; dead letters keep their line numbers', async () => {
    const dir = tempDir()
    // ~2 MB; each round reads 25,000 lines (~550 KB, over the 256 KB a read needs to go to the
    // workers), cut into a piece per worker.
    const n = 90_000
    const bad = 61_234
    const name = (i: number) => `big-${String(i).padStart(6, '0')}-abcdefghij`
    const text = Array.from({ length: n }, (_, i) => (i + 1 === bad ? 'not a name!' : name(i))).join('\n')
    writeFileSync(join(dir, 'big.log'), `${text}\n`)
    const src = await build(dir, tempDir(), '*.log', { parse_threads: 2, max_lines_per_file: 25_000 })
    // A writer like the log's: it takes the workers' encoded records as they are.
    const out = new MemoryWriter()
    let recordWrites = 0
    const writer: EventWriter = {
      write: (events) => out.write(events),
      deadLetter: (items) => out.deadLetter(items),
      writeRecords: async (records) => {
        recordWrites++
        for (const r of records) {
          const env = decodeEnvelope(r.value)
          if ('event' in env) await out.write([env.event])
          else await out.deadLetter([env.dead_letter])
        }
      },
    }
    await src.start(writer)
    const names = await expectNames(out, n - 1)
    await src.stop()
    assert.ok(recordWrites >= 4, `${recordWrites} writes of encoded records`)
    assert.deepEqual(
      names,
      Array.from({ length: n }, (_, i) => name(i)).filter((_, i) => i + 1 !== bad),
    )
    assert.equal(out.deadLetters.length, 1)
    assert.equal(JSON.parse(out.deadLetters[0]!.payload).line_number, bad)
    assert.match(out.deadLetters[0]!.message, new RegExp(`big\\.log:${bad}: `))
  })
})

describe('file_tail backlog rounds', () => {
  // While a backlog lasts, the next round is read and parsed while the last one is being written.
  test('writes that fail now and then (the next round already read): every line once, in order', async () => {
    const dir = tempDir()
    const n = 5_000
    const bad = 3_333
    const name = (i: number) => `row-${String(i).padStart(5, '0')}`
    const text = Array.from({ length: n }, (_, i) => (i + 1 === bad ? 'not a name!' : name(i))).join('\n')
    writeFileSync(join(dir, 'rows.log'), `${text}\n`)
    const src = await build(dir, tempDir(), '*.log', { max_lines_per_file: 100 })
    const out = new MemoryWriter()
    let writes = 0
    let failed = 0
    const flaky: EventWriter = {
      // Every third write is refused after a while (as a full disk would), with nothing stored.
      write: async (events) => {
        await new Promise((r) => setTimeout(r, 2))
        if (++writes % 3 === 0) {
          failed++
          throw new Error('refused')
        }
        await out.write(events)
      },
      deadLetter: (items) => out.deadLetter(items),
    }
    await src.start(flaky)
    const names = await expectNames(out, n - 1)
    await src.stop()
    assert.ok(failed >= 10, `${failed} refused writes`)
    assert.deepEqual(
      names,
      Array.from({ length: n }, (_, i) => name(i)).filter((_, i) => i + 1 !== bad),
    )
    assert.equal(out.deadLetters.length, 1)
    assert.equal(JSON.parse(out.deadLetters[0]!.payload).line_number, bad)
  })

  test('copy-truncate in the middle of a backlog: the old lines once and in order, then the new ones', async () => {
    const dir = tempDir()
    const file = join(dir, 'app.log')
    writeFileSync(file, lines('old-generation', 0, 20_000))
    const src = await build(dir, tempDir(), 'app.log', { max_lines_per_file: 200 })
    const out = new MemoryWriter()
    // Slow writes keep a round in flight while the next one reads, when the truncation comes.
    const slow: EventWriter = {
      write: async (events) => {
        await new Promise((r) => setTimeout(r, 5))
        await out.write(events)
      },
      deadLetter: (items) => out.deadLetter(items),
    }
    await src.start(slow)
    await pollUntil(async () => out.events.length >= 1_000, 10_000)
    truncateSync(file, 0)
    appendFileSync(file, lines('new', 0, 300))
    await pollUntil(
      async () => out.events.filter((e) => e.event_name!.startsWith('new-')).length >= 300,
      10_000,
    )
    await new Promise((r) => setTimeout(r, 200)) // a duplicate would show up now
    await src.stop()
    const names = out.events.map((e) => e.event_name!)
    const old = names.filter((x) => x.startsWith('old-'))
    const fresh = names.filter((x) => x.startsWith('new-'))
    // The old generation: a prefix of its lines (what was read before the truncation), each once.
    assert.ok(old.length >= 1_000 && old.length < 20_000, `${old.length} old lines`)
    assert.deepEqual(
      old,
      Array.from({ length: old.length }, (_, i) => `old-generation-${i}`),
    )
    assert.deepEqual(
      fresh,
      Array.from({ length: 300 }, (_, i) => `new-${i}`),
    )
    // Nothing of the old generation after the first line of the new one.
    assert.ok(names.indexOf('new-0') === old.length)
  })
})

describe('file_tail read buffers', () => {
  test('a backlog of many full reads, parsed on the workers into reused buffers: every line once, in order', async () => {
    const dir = tempDir()
    // ~7 MB: each round reads the 4 MiB most a read takes and keeps 40,000 lines (~1 MB) of it, so
    // the reads are all the same size and their buffers are handed back and read into again.
    const n = 280_000
    const name = (i: number) => `line-${String(i).padStart(7, '0')}-abcdefghij`
    writeFileSync(join(dir, 'big.log'), `${Array.from({ length: n }, (_, i) => name(i)).join('\n')}\n`)
    const src = await build(dir, tempDir(), '*.log', { parse_threads: 2, max_lines_per_file: 40_000 })
    const out = new MemoryWriter()
    const writer: EventWriter = {
      write: (events) => out.write(events),
      deadLetter: (items) => out.deadLetter(items),
      writeRecords: async (records) => {
        for (const r of records) {
          const env = decodeEnvelope(r.value)
          if ('event' in env) await out.write([env.event])
        }
      },
    }
    await src.start(writer)
    const names = await expectNames(out, n)
    await src.stop()
    assert.deepEqual(
      names,
      Array.from({ length: n }, (_, i) => name(i)),
    )
  })
})
