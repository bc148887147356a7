// The parse workers against parsing on the calling thread: the real Apache log cut into chunks and
// parsed on two workers gives byte-identical records, keys, skips and dead letters, in file order;
// a worker that dies fails its chunk and every later one with a clear error instead of hanging.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ClickflowError } from '../core/errors.ts'
import { decodeEnvelope } from '../log/envelope.ts'
import { visitorHasher } from './build-format.ts'
import { type ChunkJob, chunkDeadLetters, chunkRecords, type ParsedChunk } from './chunk-parser.ts'
import { formatConfig } from './format-config.ts'
import { completeLines, cutAtLines, splitLines } from './line-chunks.ts'
import { type ChunkParsing, openChunkParsing, startParsePool } from './parse-pool.ts'

const LOG = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'elastic_apache_logs_combined.log')
const dir = mkdtempSync(join(tmpdir(), 'parse-pool-'))
const keyFile = join(dir, 'visitor-key')
const visitorOf = await visitorHasher(keyFile)
after(() => rmSync(dir, { recursive: true, force: true }))

const job = (bytes: Buffer, start: number, header: string | null = null): ChunkJob => ({
  bytes,
  start,
  file: '/logs/access.log',
  identity: '1:2',
  header,
  receivedAt: 1_700_000_000_000,
  maxLineBytes: 64 * 1024,
})

/** Parses `data` cut into `pieces` chunks at line starts; the results in the order they were sent. */
async function parseInPieces(p: ChunkParsing, format: number, data: Buffer, pieces: number) {
  const cuts = cutAtLines(data, data.length, pieces)
  let from = 0
  const sent: Promise<ParsedChunk>[] = []
  for (const to of cuts) {
    const bytes = p.allocate(to - from)
    data.copy(bytes, 0, from, to)
    sent.push(p.parse(format, job(bytes, from)))
    from = to
  }
  return Promise.all(sent)
}

/** Everything a list of chunks adds up to, as the log would get it. */
function flatten(chunks: ParsedChunk[]) {
  const records = chunks.flatMap(chunkRecords)
  let line = 1
  const dead = chunks.flatMap((c) => {
    const d = chunkDeadLetters(c, 'src', '/logs/access.log', line, 0)
    line += c.lines
    return d
  })
  const skipped: Record<string, number> = {}
  for (const c of chunks) for (const [k, n] of Object.entries(c.skipped)) skipped[k] = (skipped[k] ?? 0) + n
  return { records, dead, skipped, lines: line - 1 }
}

describe('parse workers', () => {
  test('the real access log: two workers give the records of one thread, byte for byte, in file order', async () => {
    const data = readFileSync(LOG)
    const cfg = formatConfig.parse({ format: 'combined' })
    const inline = await openChunkParsing({ threads: 0, visitorKeyFile: keyFile })
    const pool = startParsePool({ threads: 2, visitorKeyFile: keyFile }, visitorOf)
    try {
      assert.equal(pool.threads, 2)
      const one = flatten([await inline.parse(inline.format(cfg, 'src'), job(data, 0))])
      const many = flatten(await parseInPieces(pool, pool.format(cfg, 'src'), data, 37))
      assert.equal(one.lines, 10_000)
      assert.equal(many.lines, one.lines)
      assert.ok(one.records.length > 4000, `${one.records.length} page views`)
      assert.equal(many.records.length, one.records.length)
      for (let i = 0; i < one.records.length; i++) {
        assert.equal(many.records[i]!.key, one.records[i]!.key, `key of record ${i}`)
        assert.equal(many.records[i]!.timestamp, one.records[i]!.timestamp)
        assert.ok(many.records[i]!.value.equals(one.records[i]!.value), `record ${i} differs`)
      }
      // In file order: event times follow the log's own order, as the single pass saw them.
      const times = many.records.map(
        (r) => (decodeEnvelope(r.value) as { event: { event_time: number } }).event.event_time,
      )
      const inlineTimes = one.records.map(
        (r) => (decodeEnvelope(r.value) as { event: { event_time: number } }).event.event_time,
      )
      assert.deepEqual(times, inlineTimes)
      assert.deepEqual(many.skipped, one.skipped)
      assert.deepEqual(many.dead, one.dead)
      assert.equal(one.dead.length, 1)
      assert.match(one.dead[0]!.message, /^\/logs\/access\.log:\d+: /)
      // The dead letter names the line that holds it.
      const lineNo = JSON.parse(one.dead[0]!.payload).line_number as number
      const text = data.toString('utf8').split('\n')[lineNo - 1]!
      assert.equal(JSON.parse(one.dead[0]!.payload).line, text)
    } finally {
      await pool.close()
    }
  })

  test('a csv header reaches every worker; the header line itself is no event', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `e${i},v${i % 7}`).join('\n')
    const data = Buffer.from(`event_name,visitor_id\n${rows}\n`)
    const cfg = formatConfig.parse({ format: 'csv', constants: { event_type: 'track' } })
    const pool = startParsePool({ threads: 2, visitorKeyFile: keyFile }, visitorOf)
    try {
      const format = pool.format(cfg, 'src')
      assert.equal(pool.hasHeader(format), true)
      const header = data.subarray(0, data.indexOf(10)).toString()
      const cuts = cutAtLines(data, data.length, 5)
      let from = 0
      const sent: Promise<ParsedChunk>[] = []
      for (const to of cuts) {
        sent.push(pool.parse(format, job(data.subarray(from, to), from, header)))
        from = to
      }
      const { records, dead, lines } = flatten(await Promise.all(sent))
      assert.equal(lines, 2001)
      assert.deepEqual(dead, [])
      const names = records.map(
        (r) => (decodeEnvelope(r.value) as { event: { event_name: string } }).event.event_name,
      )
      assert.deepEqual(
        names,
        Array.from({ length: 2000 }, (_, i) => `e${i}`),
      )
    } finally {
      await pool.close()
    }
  })

  test('a worker that dies fails its chunk and every later one with parse_worker_failed', async () => {
    const pool = startParsePool(
      {
        threads: 1,
        visitorKeyFile: keyFile,
        entry: new URL('./fixtures/crashing-parse-worker.ts', import.meta.url),
      },
      visitorOf,
    )
    try {
      const format = pool.format(formatConfig.parse({ format: 'combined' }), 'src')
      const first = pool.parse(format, job(Buffer.from('a line\n'), 0))
      await assert.rejects(first, (err: unknown) => {
        assert.ok(err instanceof ClickflowError)
        assert.equal(err.code, 'parse_worker_failed')
        assert.match(err.message, /exited \(code 7\)/)
        return true
      })
      await assert.rejects(pool.parse(format, job(Buffer.from('another\n'), 7)), /code 7/)
    } finally {
      await pool.close()
    }
  })

  test('a chunk is cut into the lines splitLines makes: CRLF, empty and too-long lines', async () => {
    const long = 'x'.repeat(300)
    const data = Buffer.from(`a\r\n\nb\n${long}\r\nc\n${long}\n${long}`)
    const cfg = formatConfig.parse({
      format: 'regex',
      pattern: '^(?<event_name>\\w+)$',
      constants: { event_type: 'track' },
    })
    const inline = await openChunkParsing({ threads: 0, visitorKeyFile: keyFile })
    const format = inline.format(cfg, 'src')
    const chunk = await inline.parse(format, { ...job(data, 1000), maxLineBytes: 256 })
    const expected = splitLines(data, 1000, 256)
    assert.equal(chunk.lines, expected.lines.length)
    assert.equal(chunk.lines, 7)
    const names = chunkRecords(chunk).map(
      (r) => (decodeEnvelope(r.value) as { event: { event_name: string } }).event.event_name,
    )
    assert.deepEqual(names, ['a', 'b', 'c'])
    const tooLong = expected.lines.filter((l) => l.tooLong)
    assert.deepEqual(
      chunk.invalid.map((l) => [l.reason, l.offset, l.text]),
      tooLong.map((l) => ['line_too_long', l.offset, l.text]),
    )
    assert.equal(tooLong.length, 3)
  })

  test('UTF-8 text survives in a chunk with non-ASCII bytes, and an ASCII chunk reads the same', async () => {
    const cfg = formatConfig.parse({ format: 'jsonl', constants: { event_type: 'track' } })
    const inline = await openChunkParsing({ threads: 0, visitorKeyFile: keyFile })
    const format = inline.format(cfg, 'src')
    const lines = ['{"event_name":"a","q":"plain"}', '{"event_name":"b","q":"Größe – 価格 ü"}', '{bad ü']
    const names = async (text: string[]) => {
      const data = Buffer.from(`${text.join('\n')}\n`)
      const chunk = await inline.parse(format, job(data, 500))
      const events = chunkRecords(chunk).map(
        (r) =>
          (decodeEnvelope(r.value) as unknown as { event: { event_name: string; props: { q: string } } })
            .event,
      )
      return { events, invalid: chunk.invalid.map((l) => [l.offset, l.text]) }
    }
    const mixed = await names(lines)
    assert.deepEqual(
      mixed.events.map((e) => [e.event_name, e.props.q]),
      [
        ['a', 'plain'],
        ['b', 'Größe – 価格 ü'],
      ],
    )
    // Offsets are bytes: the dead line starts after both earlier lines' UTF-8 bytes and newlines.
    assert.deepEqual(mixed.invalid, [[500 + Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`), '{bad ü']])
    const ascii = await names([lines[0]!, '{bad'])
    assert.deepEqual(
      ascii.events.map((e) => [e.event_name, e.props.q]),
      [['a', 'plain']],
    )
    assert.deepEqual(ascii.invalid, [[500 + lines[0]!.length + 1, '{bad']])
  })

  test('completeLines stops where splitLines does', () => {
    const buf = Buffer.from('one\ntwo\r\nthree\npartial')
    assert.deepEqual(completeLines(buf, 1024), { consumed: 15, lines: -1 })
    assert.deepEqual(completeLines(buf, 1024, 2), { consumed: 9, lines: 2 })
    assert.deepEqual(completeLines(buf, 1024, 10), { consumed: 15, lines: 3 })
    // No newline: nothing complete, unless the bytes are already longer than a line may be.
    assert.deepEqual(completeLines(Buffer.from('abcdef'), 1024), { consumed: 0, lines: 0 })
    assert.deepEqual(completeLines(Buffer.from('abcdef'), 4), { consumed: 6, lines: 1 })
    assert.deepEqual(completeLines(Buffer.from('abcdef'), 4, 10), { consumed: 6, lines: 1 })
    assert.deepEqual(cutAtLines(buf, 15, 3), [9, 15]) // the cut after 5 bytes is at 9; after 10, none is left
    assert.deepEqual(cutAtLines(buf, 15, 1), [15])
  })
})
