// One chunk of a log file (complete lines) -> what goes into the log: the events encoded as the
// events topic's records (envelope.ts), packed back to back in one buffer so a worker thread can hand
// them over without a copy, the dead letters (with file and line number) and the skip counts. The
// file_tail source and `clickflow import` run this in parse workers (parse-pool.ts) or, with
// parse_threads 0, on their own thread: one code path, so both give byte-identical records.
import { isAscii } from 'node:buffer'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { decodeEnvelope, eventRecordKey, eventRecordTime } from '../log/envelope.ts'
import { measureEvent, writeMeasured } from '../log/event-codec.ts'
import type { AppendRecord } from '../log/log.ts'
import { buildFormat } from './build-format.ts'
import type { FormatConfig } from './format-config.ts'
import type { FileParser, LineFormat } from './line-parser.ts'

/** A chunk to parse: complete lines of one file (a too-long line may be cut anywhere). */
export interface ChunkJob {
  /** The bytes: every line ends with a newline, except a last line of at least `maxLineBytes`. */
  readonly bytes: Uint8Array
  /** File offset of `bytes[0]`. */
  readonly start: number
  readonly file: string
  readonly identity: string
  /** The file's first line, for formats whose first line is a header (csv); else null. */
  readonly header: string | null
  /** received_at of the chunk's events (when it was read). */
  readonly receivedAt: number
  readonly maxLineBytes: number
}

/** What a chunk became. */
export interface ParsedChunk {
  /** Lines taken (a header, empty and too-long lines included). */
  readonly lines: number
  /** The encoded event records' values, back to back. */
  readonly values: Uint8Array
  /** Per event, the end of its value in `values`. */
  readonly ends: Uint32Array
  /** Per event, its record key. */
  readonly keys: (string | null)[]
  /** Per event, its record timestamp. */
  readonly times: Float64Array
  /** Lines that are not valid input; they become dead letters once their line numbers are known. */
  readonly invalid: InvalidLine[]
  /** Lines left out by the format's rules, by reason. */
  readonly skipped: Record<string, number>
}

/** Buffer's own UTF-8 slice, without toString's encoding lookup (as event-codec.ts uses it). */
interface Utf8Buffer extends Buffer {
  utf8Slice(start: number, end: number): string
  latin1Slice(start: number, end: number): string
}

/** A line that does not parse. */
export interface InvalidLine {
  readonly reason: string
  readonly message: string
  /** 0-based index of the line in its chunk. */
  readonly index: number
  readonly offset: number
  readonly text: string
}

/** Parses chunks of files in one format; keeps the per-header parsers of formats that have one. */
export class ChunkParser {
  readonly #format: LineFormat
  readonly #hasHeader: boolean
  /** Set per chunk: the formats read it through their `now`. */
  #receivedAt = 0
  readonly #byHeader = new Map<string, FileParser>()
  #plain: FileParser | null = null
  /**
   * Where a chunk's records are packed, kept from chunk to chunk (it grows to the largest): a fresh
   * buffer per chunk was ~1 MB of new external memory each time, and V8 answers external memory
   * growth with garbage collections, in this thread and in the one the records are handed to.
   */
  #work: Buffer = Buffer.allocUnsafeSlow(64 * 1024)

  constructor(cfg: FormatConfig, sourceId: string, visitorOf: (ip: string, userAgent: string) => string) {
    this.#format = buildFormat(cfg, { sourceId, visitorOf, now: () => this.#receivedAt })
    this.#hasHeader = this.#format.forFile().hasHeader
  }

  /** The format's first line is a header: jobs must carry it. */
  get hasHeader(): boolean {
    return this.#hasHeader
  }

  parse(job: ChunkJob): ParsedChunk {
    this.#receivedAt = job.receivedAt
    const parser = this.#parserFor(job.header)
    const buf = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength) as Utf8Buffer
    const max = job.maxLineBytes
    const out = new RecordPacker(this.#work)
    const invalid: InvalidLine[] = []
    const skipped: Record<string, number> = {}
    // Line numbers are the caller's (it knows how many lines came before); parsers do not use them.
    const ref = { file: job.file, identity: job.identity, offset: 0, lineNumber: 0 }
    // An ASCII chunk (the usual log; one SIMD pass to tell) has its lines made by a plain copy
    // instead of a UTF-8 decode.
    const ascii = isAscii(buf)
    // splitLines' cut, inline: no Line object nor array per line (they were a tenth of the garbage).
    let index = 0
    for (let pos = 0; pos < buf.length; index++) {
      const nl = buf.indexOf(10, pos)
      const offset = job.start + pos
      if (nl < 0 || nl - pos > max + (buf[nl - 1] === 13 ? 1 : 0)) {
        // Longer than a line may be (the job's last bytes without a newline can only be such a line).
        if (nl < 0 && buf.length - pos < max) break
        const text = buf.utf8Slice(pos, Math.min(buf.length, pos + 200))
        const message = `line is over ${max} bytes`
        invalid.push({ reason: 'line_too_long', message, index, offset, text })
        pos = nl < 0 ? buf.length : nl + 1
        continue
      }
      const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl
      const text = ascii ? buf.latin1Slice(pos, end) : buf.utf8Slice(pos, end)
      pos = nl + 1
      // The header was handed to the parser (job.header); it is not an input.
      if (this.#hasHeader && offset === 0) continue
      if (text.length === 0) continue
      ref.offset = offset
      const o = parser.parse(text, ref)
      if (o.kind === 'events') {
        const events = o.events
        for (let i = 0; i < events.length; i++) out.add(events[i]!, i === 0 ? (o.propsJson ?? null) : null)
      } else if (o.kind === 'skip') skipped[o.reason] = (skipped[o.reason] ?? 0) + 1
      else invalid.push({ reason: o.reason, message: o.message, index, offset, text })
    }
    this.#work = out.buffer
    return { lines: index, ...out.finish(), invalid, skipped }
  }

  #parserFor(header: string | null): FileParser {
    if (!this.#hasHeader || header === null) {
      this.#plain ??= this.#format.forFile()
      return this.#plain
    }
    let p = this.#byHeader.get(header)
    if (p === undefined) {
      // Few files at once have a header each; a long-running tail of rotating files must not grow this.
      if (this.#byHeader.size >= 256) this.#byHeader.clear()
      p = this.#format.forFile()
      p.header(header)
      this.#byHeader.set(header, p)
    }
    return p
  }
}

/** The chunk's invalid lines as dead letters; `firstLine` is the 1-based number of its first line. */
export function chunkDeadLetters(
  c: ParsedChunk,
  sourceId: string,
  file: string,
  firstLine: number,
  receivedAt: number,
): DeadLetter[] {
  return c.invalid.map((l) =>
    lineDeadLetter(
      sourceId,
      receivedAt,
      l.reason,
      l.message,
      { file, lineNumber: firstLine + l.index, offset: l.offset },
      l.text,
    ),
  )
}

/** A dead letter for a line: its file and line number in the message, the line in the payload. */
export function lineDeadLetter(
  sourceId: string,
  receivedAt: number,
  reason: string,
  message: string,
  ref: { file: string; lineNumber: number; offset: number },
  text: string,
): DeadLetter {
  return {
    component_id: sourceId,
    reason,
    message: `${ref.file}:${ref.lineNumber}: ${message}`,
    received_at: receivedAt,
    payload: JSON.stringify({
      file: ref.file,
      line_number: ref.lineNumber,
      offset: ref.offset,
      line: text.slice(0, 4096),
    }),
  }
}

/** Collects encoded events into a working buffer (grown when full), and hands out a copy of them. */
class RecordPacker {
  #buf: Buffer
  #pos = 0
  readonly #ends: number[] = []
  readonly #keys: (string | null)[] = []
  readonly #times: number[] = []

  constructor(work: Buffer) {
    this.#buf = work
  }

  /** The working buffer, grown if it had to be. */
  get buffer(): Buffer {
    return this.#buf
  }

  /**
   * Encodes `e` as its events-topic record (eventRecord's key, value and timestamp), in place;
   * `propsJson` is its props as JSON when the format wrote them (see LineOutcome).
   */
  add(e: ClickEvent, propsJson: string | null): void {
    const size = measureEvent(e, propsJson)
    if (this.#pos + size > this.#buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.#pos + size))
      this.#buf.copy(next, 0, 0, this.#pos)
      this.#buf = next
    }
    writeMeasured(this.#buf, this.#pos)
    this.#pos += size
    this.#ends.push(this.#pos)
    this.#keys.push(eventRecordKey(e))
    this.#times.push(eventRecordTime(e))
  }

  finish(): Pick<ParsedChunk, 'values' | 'ends' | 'keys' | 'times'> {
    // Exactly the bytes written, in a buffer of their own (a worker transfers it away).
    const values = Buffer.allocUnsafeSlow(this.#pos)
    this.#buf.copy(values, 0, 0, this.#pos)
    return {
      values,
      ends: Uint32Array.from(this.#ends),
      keys: this.#keys,
      times: Float64Array.from(this.#times),
    }
  }
}

/** The chunk's events as records to append (views into its buffer, no copy). */
export function chunkRecords(c: ParsedChunk): AppendRecord[] {
  const buf = Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength)
  const records: AppendRecord[] = new Array(c.ends.length)
  let start = 0
  for (let i = 0; i < c.ends.length; i++) {
    const end = c.ends[i]!
    records[i] = { key: c.keys[i]!, value: buf.subarray(start, end), timestamp: c.times[i]! }
    start = end
  }
  return records
}

/** The chunk's events as objects, for writers that take events rather than records. */
export function chunkEvents(c: ParsedChunk): ClickEvent[] {
  return chunkRecords(c).map((r) => {
    const env = decodeEnvelope(r.value)
    if (!('event' in env)) throw new Error('a parsed chunk holds a record that is not an event')
    return env.event
  })
}

/** Events in a chunk. */
export function chunkEventCount(c: ParsedChunk): number {
  return c.ends.length
}
