// The running file_tail source. One loop takes rounds: rescan the groups, take up to
// max_lines_per_file complete lines from every file, append their events and dead letters to the
// log in one durable write, and only then move the offsets and save the position file. A crash
// between the append and the save re-reads those lines; their deterministic ids let the pipeline's
// dedupe flag them (docs/architecture.md, "file_tail"). A big read (a backlog) is parsed on worker
// threads (parse-pool.ts) in pieces that come back in file order; a few new lines on this thread.
// While a backlog lasts, the next round's lines are read and parsed while the last round's write
// is in flight (its fsync overlaps the parsing); writes and commits still happen one round at a
// time, in order, and a failure forgets every line read past the committed positions.
import { type FSWatcher, watch } from 'node:fs'
import { mkdir, readdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Counter } from 'prom-client'
import type { BuildContext, EventWriter, Source } from '../../core/component.ts'
import { ClickflowError } from '../../core/errors.ts'
import { visitorHasher } from '../../parsers/build-format.ts'
import { chunkDeadLetters, type ParsedChunk } from '../../parsers/chunk-parser.ts'
import { cutAtLines } from '../../parsers/line-chunks.ts'
import { type ChunkParsing, inlineParsing, parseThreads, startParsePool } from '../../parsers/parse-pool.ts'
import { ParsedBatch } from '../../parsers/parsed-batch.ts'
import { PROCESSING_NICENESS } from '../../topology/worker/priority.ts'
import type { FileTailConfig } from './config.ts'
import { globToRegExp } from './glob.ts'
import { loadPositions, type Positions, savePositions } from './positions.ts'
import { workerLinesCounter } from './tail-metrics.ts'
import { identityOf, TrackedFile } from './tracked-file.ts'

/**
 * Reads smaller than this are parsed on the source's thread: handing a chunk to a worker and back
 * costs about as much as parsing a few hundred lines.
 */
const POOL_MIN_BYTES = 256 * 1024
/** Read buffers kept for reuse: a round per backlogged file, two rounds at a time. */
const MAX_SPARE_BUFFERS = 4
const EMPTY = Buffer.alloc(0)

/** One file's lines read in a round, and their parsing. */
interface FileRead {
  readonly file: TrackedFile
  /** The buffer read into, handed back for another read once parsed. */
  readonly buf: Buffer
  /** Its path when read (a rename seen by a later round does not change its dead letters). */
  readonly path: string
  readonly end: number
  readonly lines: number
  readonly firstLine: number
  readonly receivedAt: number
  readonly parts: Promise<ParsedChunk>[]
}

/**
 * What a round read: per file, the files it found gone and read to the end, whether more lines are
 * ready, and whether it opened a file.
 */
interface ReadRound {
  readonly reads: FileRead[]
  readonly drained: TrackedFile[]
  readonly more: boolean
  readonly opened: boolean
}

/** The running file_tail. */
export class FileTail implements Source {
  readonly #cfg: FileTailConfig
  readonly #ctx: BuildContext
  /** Parsing on this thread, and its id of the format. */
  readonly #inline: ChunkParsing
  readonly #inlineFormat: number
  /** The parse workers, started by the first big read; null until then and after one died. */
  #pool: ChunkParsing | null = null
  #poolFormat = 0
  readonly #hasHeader: boolean
  readonly #visitorKeyFile: string
  readonly #visitorOf: (ip: string, userAgent: string) => string
  readonly #workerLines: Counter<'component_id'>
  readonly #positionFile: string
  readonly #groups: { dir: string; match: RegExp }[]
  readonly #files = new Map<string, TrackedFile>()
  #stored: Positions = {}
  #out: EventWriter | null = null
  #loop: Promise<void> | null = null
  /** The last round and its write, while the next round is read (a backlog); null when none. */
  #inFlight: { readonly read: ReadRound; readonly written: Promise<void> } | null = null
  /**
   * Buffers of big reads whose parsing is done, read into again: a new one per round was megabytes
   * of zeroed shared memory, and external memory V8 collects garbage for.
   */
  readonly #spare: Buffer[] = []
  #stopping = false
  /** The first scan is done: files found from now on appeared while running. */
  #scanned = false
  /** Offsets moved since the position file was last written, and when that was. */
  #positionsDirty = false
  #positionsSavedAt = 0
  #wake: (() => void) | null = null
  #woken = false
  readonly #watchers: FSWatcher[] = []

  private constructor(
    cfg: FileTailConfig,
    ctx: BuildContext,
    visitorKeyFile: string,
    visitorOf: (ip: string, userAgent: string) => string,
    positionFile: string,
  ) {
    this.#cfg = cfg
    this.#ctx = ctx
    this.#visitorOf = visitorOf
    this.#workerLines = workerLinesCounter(ctx.registry.registry)
    const inline = inlineParsing(visitorOf)
    this.#inline = inline
    this.#inlineFormat = inline.format(cfg.parser, ctx.id)
    this.#hasHeader = inline.hasHeader(this.#inlineFormat)
    this.#visitorKeyFile = visitorKeyFile
    this.#positionFile = positionFile
    this.#groups = cfg.groups.map((g) => ({ dir: resolve(g.dir), match: globToRegExp(g.glob) }))
  }

  /** Builds the source: the parser, the visitor key, the position file path. */
  static async create(cfg: FileTailConfig, ctx: BuildContext): Promise<FileTail> {
    const stateDir = join(ctx.dataDir, 'sources', ctx.id)
    const visitorKeyFile = join(ctx.dataDir, 'parsers', 'visitor-key')
    // Creates the key file if needed, before any worker reads it.
    const visitorOf = await visitorHasher(visitorKeyFile)
    return new FileTail(
      cfg,
      ctx,
      visitorKeyFile,
      visitorOf,
      cfg.position_file ?? join(stateDir, 'positions.json'),
    )
  }

  async start(out: EventWriter): Promise<void> {
    this.#out = out
    await mkdir(dirname(this.#positionFile), { recursive: true })
    this.#stored = await loadPositions(this.#positionFile)
    for (const g of this.#groups) {
      try {
        // Notifications make new lines visible at once; the periodic scan catches what they miss.
        const w = watch(g.dir, { persistent: false }, () => this.#poke())
        w.on('error', (err) => this.#ctx.log.warn({ err, dir: g.dir }, 'watching a directory failed'))
        this.#watchers.push(w)
      } catch (err) {
        this.#ctx.log.warn({ err, dir: g.dir }, 'cannot watch directory yet; scanning it periodically')
      }
    }
    this.#loop = this.#run()
  }

  urls(): readonly string[] {
    return []
  }

  async stop(): Promise<void> {
    this.#stopping = true
    this.#poke()
    for (const w of this.#watchers) w.close()
    this.#watchers.length = 0
    await this.#loop
    // The last rounds of a busy stretch may not have written their positions yet.
    if (this.#positionsDirty) await this.#savePositions()
    for (const f of this.#files.values()) await f.close().catch(() => {})
    this.#files.clear()
    await this.#pool?.close()
    this.#pool = null
  }

  #poke(): void {
    this.#woken = true
    this.#wake?.()
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let more = false
      try {
        more = await this.#round()
      } catch (err) {
        // A failed append (the log refused) or an I/O error: nothing more was committed; the lines
        // read past the committed positions are read again.
        await this.#settle().catch(() => {})
        for (const f of this.#files.values()) f.rewind()
        this.#ctx.metrics.error('round_failed')
        if (err instanceof ClickflowError && err.code === 'parse_worker_failed') {
          // A dead worker fails every chunk after it: the next big read starts a new pool.
          this.#ctx.log.error({ err }, 'a parse worker died; restarting the parse workers')
          const pool = this.#pool
          this.#pool = null
          await pool?.close().catch(() => {})
        } else this.#ctx.log.warn({ err }, 'file_tail round failed; retrying')
        more = false
      }
      if (more || this.#stopping) continue
      if (this.#woken) {
        this.#woken = false
        continue
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.#cfg.scan_interval_ms)
        this.#wake = () => {
          clearTimeout(t)
          r()
        }
      })
      this.#wake = null
      this.#woken = false
    }
    await this.#settle().catch(() => {})
  }

  /** Waits for the last round's write, if one is in flight, and commits it; rejects if it failed. */
  async #settle(): Promise<void> {
    const f = this.#inFlight
    if (f === null) return
    this.#inFlight = null
    await f.written
    await this.#commitRound(f.read)
  }

  /**
   * One round: reads and starts parsing every file's next lines, waits for the last round's write
   * (if one is in flight) and commits it, then writes this one's. True when some file has more lines
   * ready; then this round's write is left in flight while the next round reads.
   */
  async #round(): Promise<boolean> {
    const read = await this.#readRound()
    await this.#settle()
    const written = this.#writeRound(read)
    if (read.more && read.reads.length > 0) {
      written.catch(() => {}) // awaited by the next round (#settle)
      this.#inFlight = { read, written }
      return true
    }
    await written
    await this.#commitRound(read)
    return read.more
  }

  /** Rescans, and reads up to max_lines_per_file lines of every file, handing them to the parsers. */
  async #readRound(): Promise<ReadRound> {
    // A file opened at its end (`read_from: end`) has a position before any line is read: keep it.
    const opened = await this.#scan()
    const reads: FileRead[] = []
    const drained: TrackedFile[] = []
    let more = false
    for (const file of [...this.#files.values()]) {
      if (await file.truncated()) {
        // Lines read before the truncation are stored and committed first, as a round at a time would.
        await this.#settle()
        if (this.#files.get(file.identity) !== file) continue // forgotten by that commit
        file.reset()
        this.#ctx.log.info({ file: file.path }, 'file shrank (copy-truncate?): reading it from the start')
      }
      const firstLine = file.nextLineNumber
      let buf: Buffer = EMPTY
      const r = await file.read(this.#cfg.max_lines_per_file, this.#cfg.max_line_bytes, (n) => {
        buf = this.#allocate(n)
        return buf
      })
      if (r.more) more = true
      if (r.lines === 0) {
        // Gone from its group and read to the end: forgotten once this round is committed.
        if (file.gone && !file.reading) drained.push(file)
        continue
      }
      const receivedAt = this.#ctx.clock.now()
      const parsing = this.#parsingFor(r.bytes.length)
      const format = parsing === this.#pool ? this.#poolFormat : this.#inlineFormat
      // A big read is cut at line starts so every worker gets a piece; they come back in order.
      const cuts =
        parsing.threads > 1 ? cutAtLines(r.bytes, r.bytes.length, parsing.threads) : [r.bytes.length]
      const parts: Promise<ParsedChunk>[] = []
      if (parsing === this.#pool) this.#workerLines.inc({ component_id: this.#ctx.id }, r.lines)
      let from = 0
      for (const to of cuts) {
        const p = parsing.parse(format, {
          bytes: r.bytes.subarray(from, to),
          start: r.start + from,
          file: file.path,
          identity: file.identity,
          header: file.header,
          receivedAt,
          maxLineBytes: this.#cfg.max_line_bytes,
        })
        p.catch(() => {}) // awaited in #writeRound, in order
        parts.push(p)
        from = to
      }
      reads.push({ file, buf, path: file.path, end: r.end, lines: r.lines, firstLine, receivedAt, parts })
    }
    return { reads, drained, more, opened }
  }

  /** Waits for a round's parsing and appends its events and dead letters durably. */
  async #writeRound({ reads }: ReadRound): Promise<void> {
    if (reads.length === 0) return
    const batch = new ParsedBatch()
    // Skips counted per reason for the round: one counter update each, not one per line.
    const skipped = new Map<string, number>()
    let lineCount = 0
    for (const r of reads) {
      let lineNumber = r.firstLine
      for (const p of r.parts) {
        const chunk = await p
        batch.add(chunk, chunkDeadLetters(chunk, this.#ctx.id, r.path, lineNumber, r.receivedAt))
        lineNumber += chunk.lines
        for (const [reason, n] of Object.entries(chunk.skipped))
          skipped.set(reason, (skipped.get(reason) ?? 0) + n)
      }
      if (lineNumber - r.firstLine !== r.lines)
        throw new Error(`${r.path}: parsed ${lineNumber - r.firstLine} lines of ${r.lines} read`)
      // Every part of it is parsed: nothing reads its buffer any more.
      this.#release(r.buf)
      lineCount += r.lines
    }
    this.#ctx.metrics.received(lineCount)
    // Durable first: the offsets move only once the log holds the events (#commitRound).
    await batch.write(this.#out!)
    this.#ctx.metrics.sent(batch.events)
    for (const d of batch.dead) this.#ctx.metrics.discarded(d.reason)
    for (const [reason, n] of skipped) this.#ctx.metrics.discarded(reason, n)
  }

  /**
   * After a round's write: moves its files' offsets, forgets the files it found gone and read to the
   * end, and writes the position file when due.
   */
  async #commitRound({ reads, drained, more, opened }: ReadRound): Promise<void> {
    for (const r of reads) r.file.commit(r.end, r.lines)
    let forgot = false
    for (const f of drained) {
      // A later round may have read lines it gained since: then it is kept until they are committed.
      if (!f.gone || f.reading || this.#files.get(f.identity) !== f) continue
      await f.close().catch(() => {})
      this.#files.delete(f.identity)
      forgot = true
    }
    if (reads.length > 0) this.#positionsDirty = true
    // Writing the position file costs two fsyncs: while files keep delivering lines it is written
    // every position_interval_ms, and at once when they are read to the end or the set of files changed.
    if (
      forgot ||
      opened ||
      (this.#positionsDirty &&
        (!more || this.#ctx.clock.now() - this.#positionsSavedAt >= this.#cfg.position_interval_ms))
    )
      await this.#savePositions()
  }

  /** A buffer for a read of `bytes`: a spare one of that size for a big read, else a new one. */
  #allocate(bytes: number): Buffer {
    const parsing = this.#parsingFor(bytes)
    if (parsing === this.#pool) {
      const i = this.#spare.findIndex((b) => b.length === bytes)
      if (i >= 0) return this.#spare.splice(i, 1)[0]!
    }
    return parsing.allocate(bytes)
  }

  /** Takes back a big read's buffer once every part of it is parsed (a few are kept). */
  #release(buf: Buffer): void {
    if (buf.buffer instanceof SharedArrayBuffer && this.#spare.length < MAX_SPARE_BUFFERS)
      this.#spare.push(buf)
  }

  /**
   * Where a read of up to `bytes` is parsed: the worker pool for big reads (a backlog; the pool is
   * started on the first one), this thread for the few lines a live file gains between rounds (a
   * hand-off to a worker would cost more than parsing them).
   */
  #parsingFor(bytes: number): ChunkParsing {
    if (
      bytes < POOL_MIN_BYTES ||
      this.#cfg.parse_threads === 0 ||
      parseThreads(this.#cfg.parse_threads) === 0
    )
      return this.#inline!
    if (this.#pool === null) {
      this.#pool = startParsePool(
        {
          threads: this.#cfg.parse_threads,
          visitorKeyFile: this.#visitorKeyFile,
          niceness: PROCESSING_NICENESS,
        },
        this.#visitorOf,
      )
      this.#poolFormat = this.#pool.format(this.#cfg.parser, this.#ctx.id)
      this.#ctx.log.info({ threads: this.#pool.threads }, 'parsing on worker threads')
    }
    return this.#pool
  }

  /** Lists the groups' files: opens new ones, follows renames, marks vanished ones as gone. True when it opened one. */
  async #scan(): Promise<boolean> {
    let opened = false
    const seen = new Map<string, string>()
    for (const g of this.#groups) {
      let names: string[]
      try {
        names = await readdir(g.dir)
      } catch {
        continue // a directory that does not exist yet is fine: it is scanned again
      }
      for (const name of names) {
        if (!g.match.test(name)) continue
        const path = join(g.dir, name)
        try {
          const st = await stat(path, { bigint: true })
          if (st.isFile()) seen.set(identityOf(st), path)
        } catch {
          // removed between readdir and stat
        }
      }
    }
    for (const [id, f] of this.#files) {
      const path = seen.get(id)
      if (path === undefined) f.gone = true
      else f.path = path
    }
    for (const [id, path] of seen) {
      if (this.#files.has(id)) continue
      // `read_from: end` is for what the files held when we started; a file that appears later is
      // new (a rotation's fresh file) and is read from its beginning, or its first lines would be lost.
      const fromEnd = this.#cfg.read_from === 'end' && !this.#scanned
      const file = await TrackedFile.open(path, id, this.#hasHeader, this.#stored[id], fromEnd)
      if (!file) continue
      if (file.resumed === 'reset')
        this.#ctx.log.info(
          { file: path },
          'stored position does not fit the file (new content): reading from the start',
        )
      this.#files.set(id, file.file)
      opened = true
    }
    this.#scanned = true
    return opened
  }

  async #savePositions(): Promise<void> {
    const next: Positions = {}
    for (const [id, f] of this.#files) next[id] = f.position()
    this.#stored = next
    await savePositions(this.#positionFile, next)
    this.#positionsDirty = false
    this.#positionsSavedAt = this.#ctx.clock.now()
  }
}
