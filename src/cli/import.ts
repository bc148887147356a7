// `clickflow import FILE...`: bulk load of historical log files through the same parsers as
// file_tail. Alone on the data directory it takes the lock and appends to the log itself (the
// pipeline stores the events on the next start); beside a running clickflow it hands the batches to
// that one's admin listener (POST /api/import), so the log keeps one writer. Resumable: a progress
// file keyed by file identity records how far each file got once its events were durable.
import { mkdir, open, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { ClickflowConfig } from '../config/load.ts'
import type { EventWriter } from '../core/component.ts'
import { ClickflowError } from '../core/errors.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { EVENTS_TOPIC } from '../log/envelope.ts'
import { openLog } from '../log/open-log.ts'
import { buildFormat, visitorHasher } from '../parsers/build-format.ts'
import { type FormatConfig, formatConfig } from '../parsers/format-config.ts'
import { splitLines } from '../parsers/line-chunks.ts'
import { loadPositions, type Positions, savePositions } from '../sources/file-tail/positions.ts'
import { identityOf } from '../sources/file-tail/tracked-file.ts'
import { createLogger } from '../telemetry/logger.ts'
import { lockDataDir } from '../topology/data-dir-lock.ts'
import { logWriter } from '../topology/log-writer.ts'
import { ImportTally, ProgressLine } from './import-progress.ts'

const CHUNK_BYTES = 1 << 20
/** Events per durable write: each costs an fsync of the log (and one of the progress file). */
const BATCH_EVENTS = 20_000
/** The progress file is written at most this often within a file (and always at its end). */
const PROGRESS_INTERVAL_MS = 1000

/** Options of `clickflow import`. */
export interface ImportOptions {
  readonly format?: string
  /** Extra parser settings as JSON (`{"base_url": ..., "fields": {...}}`). */
  readonly parser?: string
  readonly sourceId?: string
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
  try {
    const progressFile = join(dataDir, 'import', 'progress.json')
    await mkdir(join(dataDir, 'import'), { recursive: true })
    const progress = await loadPositions(progressFile)
    const visitorOf = await visitorHasher(join(dataDir, 'parsers', 'visitor-key'))
    for (let i = 0; i < files.length; i++) {
      const format = buildFormat(formats[i]!, { sourceId, visitorOf, now: Date.now })
      await importFile(files[i]!, format.forFile(), writer, progress, progressFile, tally, sourceId)
    }
  } finally {
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

async function importFile(
  file: string,
  parser: ReturnType<ReturnType<typeof buildFormat>['forFile']>,
  writer: EventWriter,
  progress: Positions,
  progressFile: string,
  tally: ImportTally,
  sourceId: string,
): Promise<void> {
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
    const bar = new ProgressLine()
    const buf = Buffer.allocUnsafe(CHUNK_BYTES)
    let events: ClickEvent[] = []
    let dead: DeadLetter[] = []
    // One batch is written while the next one is parsed: the log's fsync overlaps the parsing.
    let inFlight: Promise<void> | null = null
    let savedAt = 0
    const flush = async (end: number, last: boolean) => {
      const batch = events
      const batchDead = dead
      const line = lineNo
      events = []
      dead = []
      // Batches become durable, and are recorded, in order.
      if (inFlight) await inFlight
      const written = (async () => {
        // Durable first, then the progress file: a crash in between re-reads lines whose ids repeat.
        await Promise.all([
          batch.length ? writer.write(batch) : null,
          batchDead.length ? writer.deadLetter(batchDead) : null,
        ])
        tally.imported += batch.length
        progress[identity] = { path: file, offset: end, line, head: '', head_bytes: 0 }
        if (last || Date.now() - savedAt >= PROGRESS_INTERVAL_MS) {
          await savePositions(progressFile, progress)
          savedAt = Date.now()
        }
      })()
      // A failure surfaces at the next flush or at the end; until then nobody awaits it.
      written.catch(() => {})
      inFlight = written
      if (last) {
        await written
        inFlight = null
      }
    }
    if (offset > 0 && parser.hasHeader) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
      const first = splitLines(buf.subarray(0, bytesRead), 0, buf.length, 1).lines[0]
      if (first) parser.header(first.text)
    }
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset)
      if (bytesRead === 0) break
      // The file's last line may lack its newline: at the end of the file it is complete.
      const atEnd = offset + bytesRead >= size
      const chunk =
        atEnd && buf[bytesRead - 1] !== 10
          ? Buffer.concat([buf.subarray(0, bytesRead), Buffer.from('\n')])
          : buf.subarray(0, bytesRead)
      const { lines, consumed } = splitLines(chunk, offset, CHUNK_BYTES)
      if (lines.length === 0)
        throw new ClickflowError('line_too_long', `${file}: a line at byte ${offset} is over 1 MiB`)
      for (const line of lines) {
        lineNo++
        tally.lines++
        if (parser.hasHeader && line.offset === 0) {
          parser.header(line.text)
          continue
        }
        if (line.text.length === 0) continue
        const out = parser.parse(line.text, { file, identity, offset: line.offset, lineNumber: lineNo })
        if (out.kind === 'events') events.push(...out.events)
        else if (out.kind === 'skip') tally.skip(out.reason)
        else {
          tally.dead(out.reason)
          dead.push({
            component_id: sourceId,
            reason: out.reason,
            message: `${file}:${lineNo}: ${out.message}`,
            received_at: Date.now(),
            payload: JSON.stringify({
              file,
              line_number: lineNo,
              offset: line.offset,
              line: line.text.slice(0, 4096),
            }),
          })
        }
      }
      offset = Math.min(size, offset + consumed)
      if (events.length >= BATCH_EVENTS || atEnd) await flush(offset, atEnd)
      bar.update(basename(file), tally.lines, offset, size)
      if (atEnd) break
    }
    if (events.length > 0 || dead.length > 0 || inFlight) await flush(offset, true)
    bar.update(basename(file), tally.lines, offset, size, true)
  } finally {
    await fh.close()
  }
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
