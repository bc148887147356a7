// The lake's events table as one object: export of days from the store, compaction, vacuum, erasure
// rewrites and history. Every operation that commits runs one at a time (a queue), reads the newest
// snapshot, writes its data files, then commits them in one atomic log version; a crash before that
// commit leaves the table at its previous version, and the stray files for vacuum to delete.
import { randomUUID } from 'node:crypto'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { Logger } from '../telemetry/logger.ts'
import type { Action, AddAction, RemoveAction } from './actions.ts'
import { writeCheckpoint } from './checkpoint-writer.ts'
import { type CommitFaults, commitVersion } from './commit.ts'
import { type WrittenFile, writeDataFile } from './data-file.ts'
import { type AsOf, DeltaTable, type HistoryEntry, type Snapshot } from './delta-log.ts'
import {
  checkDay,
  eventsSchemaString,
  eventsTableRoot,
  exportColumns,
  PARTITION_COLUMN,
} from './events-table.ts'
import type { LakeMetrics } from './lake-metrics.ts'
import { type ConnectionSource, sqlString, withConnection } from './parquet-io.ts'
import { listDataFiles, type VacuumResult, vacuumTable } from './vacuum.ts'

/** Engine name written into commitInfo. */
const ENGINE = 'clickflow/0.1.0'
/** txn appId prefix of day exports: one entry per day, its version the store's log position. */
export const EXPORT_APP_ID = 'clickflow-export'

/** What the lake needs from its host. */
export interface LakeOptions {
  readonly dataDir: string
  /** The store's database (its file access is limited to `<data_dir>/lake`). */
  readonly db: ConnectionSource
  readonly log: Logger
  readonly metrics?: LakeMetrics
  readonly checkpointInterval?: number
  readonly closeDelayMs?: number
  readonly targetFileBytes?: number
  readonly vacuumRetentionMs?: number
  readonly now?: () => number
  /** Test hooks: fail or die at the critical points of a commit. */
  readonly faults?: CommitFaults
}

/** A step of a long operation, for progress lines. */
export type Progress = (message: string, detail: Record<string, unknown>) => void

/** The outcome of an export. */
export interface ExportResult {
  readonly version: number | null
  readonly days: readonly { readonly day: string; readonly rows: number; readonly skipped?: string }[]
  readonly rows: number
  readonly files: number
}

/** The outcome of a compaction. */
export interface CompactResult {
  readonly version: number | null
  readonly days: readonly { readonly day: string; readonly files_before: number; readonly rows: number }[]
}

/** The outcome of rewriting files without some rows. */
export interface RewriteResult {
  readonly version: number | null
  readonly files_rewritten: number
  readonly rows_removed: number
  /** Files of earlier versions (not current) that held matching rows and were deleted. */
  readonly stale_files_deleted: number
}

function dayOfAdd(a: AddAction): string {
  return String(a.partitionValues[PARTITION_COLUMN])
}

function removeOf(add: AddAction, now: number, dataChange: boolean): RemoveAction {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
  }
}

function listSql(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`
}

/** The lake's events table. */
export class Lake {
  readonly table: DeltaTable
  readonly root: string
  readonly #o: LakeOptions
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: LakeOptions) {
    this.#o = options
    this.root = eventsTableRoot(options.dataDir)
    this.table = new DeltaTable(this.root, options.db)
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now()
  }

  /** Runs `fn` after every operation queued before it. */
  exclusive<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      const end = this.#o.metrics?.seconds.startTimer({ operation })
      try {
        return await fn()
      } catch (err) {
        this.#o.metrics?.failures.inc({ operation })
        throw err
      } finally {
        end?.()
      }
    }
    const p = this.#queue.then(run, run)
    this.#queue = p.catch(() => undefined)
    return p
  }

  /** The newest snapshot, or null when nothing was ever committed. */
  async current(): Promise<Snapshot | null> {
    return (await this.table.exists()) ? this.table.snapshot() : null
  }

  /** The snapshot at a version or time. */
  snapshot(asOf?: AsOf): Promise<Snapshot> {
    return this.table.snapshot(asOf)
  }

  /** Absolute paths of the files of a snapshot. */
  files(s: Snapshot): string[] {
    return [...s.files.keys()].map((p) => join(this.root, p))
  }

  history(): Promise<HistoryEntry[]> {
    return this.table.history()
  }

  /** Commits `actions` as the version after `base`, then writes a checkpoint when one is due. */
  async #commit(
    base: Snapshot | null,
    operation: string,
    params: unknown,
    metrics: Record<string, string>,
    actions: Action[],
  ) {
    const version = base ? base.version + 1 : 0
    const head: Action[] = [
      {
        commitInfo: {
          timestamp: this.#now(),
          operation,
          operationParameters: params,
          operationMetrics: metrics,
          ...(base ? { readVersion: base.version } : {}),
          isolationLevel: 'Serializable',
          isBlindAppend: operation === 'WRITE',
          engineInfo: ENGINE,
          txnId: randomUUID(),
        },
      },
    ]
    const schemaString = eventsSchemaString()
    if (!base) head.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } })
    if (!base || base.metadata.schemaString !== schemaString) {
      // New table, or the store gained columns: the new schema is a superset, so old files stay valid.
      head.push({
        metaData: {
          id: base?.metadata.id ?? randomUUID(),
          format: { provider: 'parquet', options: {} },
          schemaString,
          partitionColumns: [PARTITION_COLUMN],
          configuration: { 'delta.checkpointInterval': String(this.#o.checkpointInterval ?? 10) },
          createdTime: base?.metadata.createdTime ?? this.#now(),
        },
      })
    }
    await this.#o.faults?.afterDataFiles?.()
    await commitVersion(this.table.logDir, version, [...head, ...actions], this.#o.faults)
    this.#o.metrics?.commits.inc({ operation })
    this.#o.log.info({ lake_version: version, operation, ...metrics }, 'lake commit')
    const interval = this.#o.checkpointInterval ?? 10
    const after = await this.table.snapshot({ version })
    this.#o.metrics?.version.set(version)
    this.#o.metrics?.liveFiles.set(after.files.size)
    if (version > 0 && version % interval === 0) {
      await writeCheckpoint(this.#o.db, this.table.logDir, after).catch((err) =>
        this.#o.log.warn(
          { err, lake_version: version },
          'lake checkpoint failed; readers replay the JSON commits',
        ),
      )
    }
    return version
  }

  /** Deletes files written for a commit that did not happen. */
  async #discard(files: readonly WrittenFile[]): Promise<void> {
    for (const f of files) await unlink(f.absolute).catch(() => undefined)
  }

  /** UTC days that ended at least `closeDelayMs` ago and hold events in the store. */
  async #closedDays(conn: DuckDBConnection): Promise<string[]> {
    const bound = this.#now() - (this.#o.closeDelayMs ?? 3600_000)
    const lastClosedEnd = Math.floor(bound / 86_400_000) * 86_400_000
    const r = await conn.runAndReadAll(
      `SELECT DISTINCT CAST(event_time AS DATE)::VARCHAR AS d FROM events
       WHERE event_time < make_timestamp(${lastClosedEnd * 1000}::BIGINT) ORDER BY d`,
    )
    return r.getRows().map((row) => String(row[0]))
  }

  /**
   * Exports `day` (or every closed day) from the store: rows of that day whose event id is not yet
   * in the day's current files go into one new file per day, all days in one commit, with a `txn`
   * per day recording the store's log position. A day whose txn already holds the current position
   * has nothing new and is skipped without reading; a re-export never duplicates a row.
   */
  export(options: { day?: string; onProgress?: Progress } = {}): Promise<ExportResult> {
    return this.exclusive('export', async () => {
      const base = await this.current()
      return withConnection(this.#o.db, async (conn) => {
        // One read transaction: the position and the rows come from the same store snapshot.
        await conn.run('BEGIN TRANSACTION')
        const written: WrittenFile[] = []
        try {
          const pos = Number(
            (
              await conn.runAndReadAll(
                `SELECT coalesce(sum(next_offset), 0) FROM clickflow_sink_positions WHERE topic = 'events'`,
              )
            ).getRows()[0]![0],
          )
          const days = options.day ? [checkDay(options.day)] : await this.#closedDays(conn)
          const result: { day: string; rows: number; skipped?: string }[] = []
          const txns: Action[] = []
          for (const [i, day] of days.entries()) {
            const appId = `${EXPORT_APP_ID}/${PARTITION_COLUMN}=${day}`
            const prior = base?.txns.get(appId)
            if (pos > 0 && prior?.version === pos) {
              result.push({ day, rows: 0, skipped: 'already exported at this store position' })
              continue
            }
            const existing = base ? [...base.files.entries()].filter(([, a]) => dayOfAdd(a) === day) : []
            const dayStart = `TIMESTAMP ${sqlString(`${day} 00:00:00`)}`
            const notYet =
              existing.length === 0
                ? ''
                : ` AND event_id NOT IN (SELECT event_id FROM read_parquet(${listSql(existing.map(([p]) => join(this.root, p)))}, union_by_name = true))`
            const select = `SELECT ${exportColumns()} FROM events
              WHERE event_time >= ${dayStart} AND event_time < ${dayStart} + INTERVAL 1 DAY${notYet}
              ORDER BY event_time, event_id`
            const file = await writeDataFile(conn, this.root, day, select, true)
            if (file) written.push(file)
            txns.push({ txn: { appId, version: pos, lastUpdated: this.#now() } })
            result.push({ day, rows: file?.rows ?? 0 })
            options.onProgress?.('exported day', { day, rows: file?.rows ?? 0, done: i + 1, of: days.length })
          }
          await conn.run('COMMIT')
          const rows = written.reduce((n, f) => n + f.rows, 0)
          if (written.length === 0) return { version: base?.version ?? null, days: result, rows: 0, files: 0 }
          try {
            const version = await this.#commit(
              base,
              'WRITE',
              { mode: 'Append', partitionBy: JSON.stringify([PARTITION_COLUMN]) },
              { numFiles: String(written.length), numOutputRows: String(rows) },
              [...written.map((f) => ({ add: f.add })), ...txns],
            )
            this.#o.metrics?.rowsWritten.inc({ operation: 'WRITE' }, rows)
            return { version, days: result, rows, files: written.length }
          } catch (err) {
            await this.#discard(written)
            throw err
          }
        } catch (err) {
          await conn.run('ROLLBACK').catch(() => undefined)
          throw err
        }
      })
    })
  }

  /**
   * Merges each day's small files (< targetFileBytes) into one when there are at least `minFiles`
   * of them: remove + add with dataChange=false, so streaming readers skip the commit.
   */
  compact(options: { minFiles?: number; onProgress?: Progress } = {}): Promise<CompactResult> {
    return this.exclusive('compact', async () => {
      const base = await this.current()
      if (!base) return { version: null, days: [] }
      const target = this.#o.targetFileBytes ?? 128 * 1024 * 1024
      const byDay = new Map<string, AddAction[]>()
      for (const a of base.files.values()) {
        if (a.size >= target) continue
        const list = byDay.get(dayOfAdd(a)) ?? []
        list.push(a)
        byDay.set(dayOfAdd(a), list)
      }
      const days = [...byDay.entries()].filter(([, l]) => l.length >= (options.minFiles ?? 2)).sort()
      if (days.length === 0) return { version: base.version, days: [] }
      const written: WrittenFile[] = []
      const actions: Action[] = []
      const result: { day: string; files_before: number; rows: number }[] = []
      const now = this.#now()
      try {
        await withConnection(this.#o.db, async (conn) => {
          for (const [i, [day, adds]] of days.entries()) {
            const paths = adds.map((a) => join(this.root, decodeURIComponent(a.path)))
            const select = `SELECT * FROM read_parquet(${listSql(paths)}, union_by_name = true) ORDER BY event_time, event_id`
            const file = await writeDataFile(conn, this.root, day, select, false)
            if (file) {
              written.push(file)
              actions.push({ add: file.add })
            }
            for (const a of adds) actions.push({ remove: removeOf(a, now, false) })
            result.push({ day, files_before: adds.length, rows: file?.rows ?? 0 })
            options.onProgress?.('compacted day', {
              day,
              files_before: adds.length,
              done: i + 1,
              of: days.length,
            })
          }
        })
        const rows = written.reduce((n, f) => n + f.rows, 0)
        const version = await this.#commit(
          base,
          'OPTIMIZE',
          { predicate: '[]', zOrderBy: '[]' },
          {
            numRemovedFiles: String(result.reduce((n, d) => n + d.files_before, 0)),
            numAddedFiles: String(written.length),
          },
          actions,
        )
        this.#o.metrics?.rowsWritten.inc({ operation: 'OPTIMIZE' }, rows)
        return { version, days: result }
      } catch (err) {
        await this.#discard(written)
        throw err
      }
    })
  }

  /**
   * Rewrites every current file holding a row that matches `predicate` (SQL over the file columns)
   * without those rows, commits remove + add (a DELETE), then deletes the old files at once: erased
   * data must not stay readable through time travel. `description` goes into the log instead of the
   * predicate, which may name a person.
   */
  rewriteWithout(predicate: string, description: string): Promise<RewriteResult> {
    return this.exclusive('erase', () => this.rewriteWithoutUnlocked(predicate, description))
  }

  /** {@link rewriteWithout} for callers already inside {@link exclusive}. */
  async rewriteWithoutUnlocked(predicate: string, description: string): Promise<RewriteResult> {
    const result = await this.#rewrite(predicate, description)
    // Files of older versions still on disk (replaced by compaction or a rewrite, not vacuumed yet)
    // may hold the rows too: the ones that do are deleted now.
    const current = await this.current()
    const purged = await this.#purgeOutside(predicate, new Set(current ? this.files(current) : []))
    if (purged > 0) this.#o.metrics?.filesDeleted.inc({ reason: 'erasure' }, purged)
    return { ...result, stale_files_deleted: purged }
  }

  /** Deletes every data file outside `keep` that holds a row matching `predicate`; returns how many. */
  async #purgeOutside(predicate: string, keep: ReadonlySet<string>): Promise<number> {
    const stale = (await listDataFiles(this.root)).filter((p) => p.endsWith('.parquet') && !keep.has(p))
    if (stale.length === 0) return 0
    const hit = await withConnection(this.#o.db, async (conn) => {
      const out: string[] = []
      for (const p of stale) {
        // One file at a time: a stray file of a crashed write may be unreadable; it is left to vacuum.
        const r = await conn
          .runAndReadAll(
            `SELECT count(*) FROM read_parquet(${sqlString(p)}, union_by_name = true) WHERE ${predicate}`,
          )
          .catch(() => null)
        if (r && Number(r.getRows()[0]![0]) > 0) out.push(p)
      }
      return out
    })
    for (const p of hit) await unlink(p).catch(() => undefined)
    return hit.length
  }

  async #rewrite(
    predicate: string,
    description: string,
  ): Promise<Omit<RewriteResult, 'stale_files_deleted'>> {
    const base = await this.current()
    if (!base || base.files.size === 0)
      return { version: base?.version ?? null, files_rewritten: 0, rows_removed: 0 }
    const written: WrittenFile[] = []
    try {
      const hits = await withConnection(this.#o.db, async (conn) => {
        const all = [...base.files.keys()]
        const r = await conn.runAndReadAll(
          `SELECT filename, count(*) FROM read_parquet(${listSql(all.map((p) => join(this.root, p)))}, filename = true, union_by_name = true)
           WHERE ${predicate} GROUP BY filename`,
        )
        const counts = new Map(r.getRows().map((row) => [String(row[0]), Number(row[1])]))
        const out: { add: AddAction; rows: number }[] = []
        for (const [p, add] of base.files) {
          const n = counts.get(join(this.root, p))
          if (n) out.push({ add, rows: n })
        }
        for (const h of out) {
          const abs = join(this.root, decodeURIComponent(h.add.path))
          const file = await writeDataFile(
            conn,
            this.root,
            dayOfAdd(h.add),
            `SELECT * FROM read_parquet(${sqlString(abs)}) WHERE (${predicate}) IS NOT TRUE`,
            true,
          )
          if (file) written.push(file)
        }
        return out
      })
      if (hits.length === 0) return { version: base.version, files_rewritten: 0, rows_removed: 0 }
      const now = this.#now()
      const removed = hits.reduce((n, h) => n + h.rows, 0)
      const version = await this.#commit(
        base,
        'DELETE',
        { predicate: JSON.stringify([description]) },
        {
          numRemovedFiles: String(hits.length),
          numAddedFiles: String(written.length),
          numDeletedRows: String(removed),
        },
        [
          ...written.map((f) => ({ add: f.add })),
          ...hits.map((h) => ({ remove: removeOf(h.add, now, true) })),
        ],
      )
      for (const h of hits)
        await unlink(join(this.root, decodeURIComponent(h.add.path))).catch(() => undefined)
      this.#o.metrics?.filesDeleted.inc({ reason: 'erasure' }, hits.length)
      return { version, files_rewritten: hits.length, rows_removed: removed }
    } catch (err) {
      await this.#discard(written)
      throw err
    }
  }

  /** Deletes files no version within the retention period needs (see vacuum.ts). */
  vacuum(options: { retentionMs?: number } = {}): Promise<VacuumResult> {
    return this.exclusive('vacuum', async () => {
      const base = await this.current()
      const result = await vacuumTable(
        this.root,
        base,
        options.retentionMs ?? this.#o.vacuumRetentionMs ?? 7 * 86_400_000,
        this.#now(),
      )
      this.#o.metrics?.filesDeleted.inc({ reason: 'vacuum' }, result.files_deleted)
      this.#o.log.info({ ...result }, 'lake vacuum')
      return result
    })
  }
}
