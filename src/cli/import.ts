// `clickflow import FILE...`: bulk load of historical log files through the same parsers as
// file_tail. Alone on the data directory it takes the lock and appends to the log itself (the
// pipeline stores the events on the next start); beside a running clickflow it hands the batches to
// that one's admin listener (POST /api/import), so the log keeps one writer. Resumable: a progress
// file keyed by file identity records how far each file got once its events were durable.
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { ClickflowConfig } from '../config/load.ts'
import type { EventWriter } from '../core/component.ts'
import { ClickflowError } from '../core/errors.ts'
import { EVENTS_TOPIC } from '../log/envelope.ts'
import { openLog } from '../log/open-log.ts'
import { chunkDeadLetters, type ParsedChunk } from '../parsers/chunk-parser.ts'
import { type FormatConfig, formatConfig } from '../parsers/format-config.ts'
import { completeLines } from '../parsers/line-chunks.ts'
import { type ChunkParsing, openChunkParsing } from '../parsers/parse-pool.ts'
import { ParsedBatch } from '../parsers/parsed-batch.ts'
import { loadPositions, type Positions, savePositions } from '../sources/file-tail/positions.ts'
import { identityOf } from '../sources/file-tail/tracked-file.ts'
import { createLogger } from '../telemetry/logger.ts'
import { lockDataDir } from '../topology/data-dir-lock.ts'
import { logWriter } from '../topology/log-writer.ts'
import { ImportTally, ProgressLine } from './import-progress.ts'

/** Bytes per chunk handed to a parse worker; also the longest line (longer ones are dead-lettered). */
const CHUNK_BYTES = 1 << 20
/** Parse worker threads unless --parse-threads says otherwise (capped at the machine's cores). */
export const DEFAULT_PARSE_THREADS = 2
/**
 * Imports smaller than this (all files together) are parsed on the main thread unless
 * --parse-threads says otherwise: starting a worker
 * (loading and compiling its modules) costs ~0.4 s of CPU, what parsing ~8 MiB of access log does,
 * and on a busy machine the two workers' start outweighed their help below ~30 MiB.
 */
const WORKERS_MIN_BYTES = 32 * 1024 * 1024
/** Events per durable write: each costs an fsync of the log (and one of the progress file). */
const BATCH_EVENTS = 20_000
/** Batches being written at once (see importFile). */
const MAX_WRITES = 2
/** The progress file is written at most this often within a file (and always at its end). */
const PROGRESS_INTERVAL_MS = 1000

/** Options of `clickflow import`. */
export interface ImportOptions {
  readonly format?: string
  /** Extra parser settings as JSON (`{"base_url": ..., "fields": {...}}`). */
  readonly parser?: string
  readonly sourceId?: string
  /** Parse worker threads (0: parse on the main thread); default {@link DEFAULT_PARSE_THREADS}. */
  readonly parseThreads?: number
}

/** The parser settings: `--format` (or a guess from the extension) merged with `--parser` JSON. */
export function importFormat(file: string, o: ImportOptions): FormatConfig {
  let extra: Record<string, unknown> = {}
  if (o.parser) {
    try {
      extra = JSON.parse(o.parser) as Record<string, unknown>
    } catch {
      throw new ClickflowError('invalid_option', '--parser must be a JSON object')
    }
  }
  const guessed = /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : 'combined'
  const parsed = formatConfig.safeParse({
    format: o.format ?? extra.format ?? guessed,
    ...extra,
    ...(o.format ? { format: o.format } : {}),
  })
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'format'}: ${i.message}`).join('; ')
    throw new ClickflowError('invalid_option', `parser settings for ${file}: ${why}`)
  }
  return parsed.data
}

/** Imports `files` into the clickflow of `config`'s data directory; resolves with the summary. */
export async function runImport(
  files: readonly string[],
  o: ImportOptions,
  config: ClickflowConfig,
  handoff: (dataDir: string) => Promise<EventWriter>,
): Promise<ImportTally> {
  const dataDir = config.global.data_dir
  // The events must come from a source the topology reads, or the pipeline would leave them in the log.
  const sourceId = o.sourceId ?? config.sources[0]?.id ?? 'import'
  const formats = files.map((f) => importFormat(f, o))
  const { writer, close } = await openImportWriter(config, handoff)
  const tally = new ImportTally()
  let parsing: ChunkParsing | null = null
  try {
    const progressFile = join(dataDir, 'import', 'progress.json')
    await mkdir(join(dataDir, 'import'), { recursive: true })
    const progress = await loadPositions(progressFile)
    // Starting a worker (its own module loading and compiling) costs more than parsing a small
    // import: unless told how many, a small import gets none.
    let bytes = 0
    for (const f of files) bytes += (await stat(f)).size
    parsing = await openChunkParsing({
      threads: o.parseThreads ?? (bytes < WORKERS_MIN_BYTES ? 0 : DEFAULT_PARSE_THREADS),
      visitorKeyFile: join(dataDir, 'parsers', 'visitor-key'),
      // Told how many, it waits for them (so a test can rely on the workers parsing).
      parseWhileStarting: o.parseThreads === undefined,
    })
    // Files of one format share its parsers in the workers.
    const formatIds = new Map<string, number>()
    for (let i = 0; i < files.length; i++) {
      const key = JSON.stringify(formats[i])
      let format = formatIds.get(key)
      if (format === undefined) {
        format = parsing.format(formats[i]!, sourceId)
        formatIds.set(key, format)
      }
      await importFile(files[i]!, { parsing, format, writer, progress, progressFile, tally, sourceId })
    }
  } finally {
    await parsing?.close()
    await close()
  }
  return tally
}

/**
 * Where imported events go: the data directory's log, under its lock, when no clickflow runs there;
 * else the running clickflow (`handoff`), so the log keeps one writer. `clickflow generate --into`
 * loads through this too.
 */
export async function openImportWriter(
  config: ClickflowConfig,
  handoff: (dataDir: string) => Promise<EventWriter>,
): Promise<{ writer: EventWriter; close: () => Promise<void> }> {
  const dataDir = config.global.data_dir
  // A fresh data directory is fine: the import creates it, as start does.
  await mkdir(dataDir, { recursive: true })
  try {
    const lock = await lockDataDir(dataDir)
    try {
      const log = await openLog(config.global.log, dataDir, createLogger({ level: 'warn' }))
      return {
        writer: logWriter(log, EVENTS_TOPIC),
        close: async () => {
          await log.close()
          await lock.release()
        },
      }
    } catch (err) {
      await lock.release()
      throw err
    }
  } catch (err) {
    if (!(err instanceof ClickflowError && err.code === 'data_dir_locked')) throw err
    return { writer: await handoff(dataDir), close: async () => {} }
  }
}

/** What importing one file needs. */
export interface ImportFileContext {
  readonly parsing: ChunkParsing
  /** The file's format, registered with `parsing`. */
  readonly format: number
  readonly writer: EventWriter
  readonly progress: Positions
  readonly progressFile: string
  readonly tally: ImportTally
  readonly sourceId: string
  /** Draw the progress line on stderr (default true). */
  readonly showProgress?: boolean
}

/**
 * Imports one file from where the progress file says it got. Chunks of complete lines are read
 * ahead and parsed by the parse workers in parallel; their results are taken in file order and
 * written in batches, up to MAX_WRITES durable writes in flight while the next chunks are parsed.
 */
export async function importFile(file: string, c: ImportFileContext): Promise<void> {
  const { parsing, tally, progress } = c
  const fh = await open(file, 'r')
  try {
    const st = await fh.stat({ bigint: true })
    const identity = identityOf(st)
    const size = Number(st.size)
    const prior = progress[identity]
    let offset = prior && prior.offset <= size ? prior.offset : 0
    let lineNo = prior && prior.offset <= size ? prior.line : 0
    if (offset === size && size > 0) {
      tally.alreadyDone.push(file)
      return
    }
    const bar = c.showProgress === false ? null : new ProgressLine()
    const header = parsing.hasHeader(c.format) && size > 0 ? await firstLine(fh) : null
    // Chunks read and sent to the workers, oldest first: enough to keep every worker busy, also
    // while this loop waits for the last batch's write (up to a few tens of ms with its fsync).
    const ahead: { parsed: Promise<ParsedChunk>; buf: Buffer; end: number; receivedAt: number }[] = []
    // Chunk buffers whose parsing is done, read into again: a new 1 MiB buffer per chunk was external
    // memory that V8 collects garbage for (a full collection every few chunks on this thread).
    const spare: Buffer[] = []
    const window = Math.max(2, parsing.threads * 4)
    let readAt = offset
    let batch = new ParsedBatch()
    // Batches being written, oldest first. A batch's append starts as soon as it is full, while the
    // one before it may still be syncing (the log keeps appends in call order), and this loop goes
    // on reading and parsing; it waits only when MAX_WRITES are unfinished. Waiting for the last
    // write before starting the next left the workers idle for each fsync (a 20,000-event batch
    // takes ~40-90 ms to write and sync): the import kept ~1.2 of 2 cores busy.
    const writes: Promise<void>[] = []
    let recorded: Promise<void> = Promise.resolve()
    let savedAt = 0
    const flush = async (end: number, last: boolean) => {
      const full = batch
      const line = lineNo
      batch = new ParsedBatch()
      while (writes.length >= MAX_WRITES) await writes.shift()
      const appended = full.write(c.writer)
      const before = recorded
      // Durable first, then the progress file, in batch order: a crash in between re-reads lines
      // whose ids repeat; a batch is recorded only once every batch before it was.
      const written = (async () => {
        await before
        await appended
        tally.imported += full.events
        progress[identity] = { path: file, offset: end, line, head: '', head_bytes: 0 }
        if (last || Date.now() - savedAt >= PROGRESS_INTERVAL_MS) {
          await savePositions(c.progressFile, progress)
          savedAt = Date.now()
        }
      })()
      // A failure surfaces at a later flush or at the end; until then nobody awaits it.
      appended.catch(() => {})
      written.catch(() => {})
      recorded = written
      writes.push(written)
      if (last) while (writes.length > 0) await writes.shift()
    }
    try {
      for (;;) {
        while (ahead.length < window && readAt < size) {
          const buf = spare.pop() ?? c.parsing.allocate(CHUNK_BYTES + 1)
          let n = (await fh.read(buf, 0, CHUNK_BYTES, readAt)).bytesRead
          if (n === 0) break // the file shrank while being imported: it ends here
          // The file's last line may lack its newline: at the end of the file it is complete.
          if (readAt + n >= size && buf[n - 1] !== 10) buf[n++] = 10
          // A full chunk without a newline is one too-long line (dead-lettered), so this is never 0.
          const { consumed } = completeLines(buf.subarray(0, n), CHUNK_BYTES)
          const receivedAt = Date.now()
          const parsed = parsing.parse(c.format, {
            bytes: buf.subarray(0, consumed),
            start: readAt,
            file,
            identity,
            header,
            receivedAt,
            maxLineBytes: CHUNK_BYTES,
          })
          parsed.catch(() => {}) // awaited in order below
          readAt = Math.min(size, readAt + consumed)
          ahead.push({ parsed, buf, end: readAt, receivedAt })
        }
        const next = ahead.shift()
        if (next === undefined) break
        const chunk = await next.parsed
        // The parser is done with its bytes (a worker answers after its last read of them).
        spare.push(next.buf)
        tally.lines += chunk.lines
        for (const [reason, n] of Object.entries(chunk.skipped)) tally.skip(reason, n)
        const dead = chunkDeadLetters(chunk, c.sourceId, file, lineNo + 1, next.receivedAt)
        for (const d of dead) tally.dead(d.reason)
        batch.add(chunk, dead)
        lineNo += chunk.lines
        offset = next.end
        const atEnd = ahead.length === 0 && readAt >= size
        // Once the whole file is read, each chunk is written as it comes: the last write (which
        // nothing overlaps) is then one chunk's instead of a whole batch's (~20-70 ms of idle
        // workers at the end of every file).
        if (batch.events >= BATCH_EVENTS || readAt >= size) await flush(offset, atEnd)
        bar?.update(basename(file), tally.lines, offset, size)
      }
      if (!batch.empty || writes.length > 0) await flush(offset, true)
    } finally {
      // On a failure, the chunks still parsing are not waited for; their rejections are handled above.
      for (const w of writes) await w.catch(() => {})
    }
    bar?.update(basename(file), tally.lines, offset, size, true)
  } finally {
    await fh.close()
  }
}

/** The file's first line (a header), up to 64 KiB of it. */
async function firstLine(fh: FileHandle): Promise<string> {
  const buf = Buffer.allocUnsafe(64 * 1024)
  const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
  const nl = buf.subarray(0, bytesRead).indexOf(10)
  let end = nl >= 0 ? nl : bytesRead
  if (end > 0 && buf[end - 1] === 13) end--
  return buf.toString('utf8', 0, end)
}

/** Size of a file, for a usage error before anything starts. */
export async function assertReadable(file: string): Promise<void> {
  try {
    const st = await stat(file)
    if (!st.isFile()) throw new Error('not a file')
  } catch {
    throw new ClickflowError('invalid_option', `cannot read ${file}`)
  }
}
