// The lake's periodic work in the processing worker: export closed days, compact days with many
// small files, vacuum once a day, and apply the store's retention by age. Each job logs what it did
// and counts failures; a failed round is retried at the next one.
import type { Database } from '../store/duckdb/database.ts'
import { applyRetention } from '../store/duckdb/retention.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { LakeConfig } from './config.ts'
import type { Lake } from './lake.ts'
import type { LakeMetrics } from './lake-metrics.ts'
import { withConnection } from './parquet-io.ts'

/** Retention settings of the store. */
export interface RetentionSettings {
  readonly events_days: number | null
  readonly sessions_days: number | null
  readonly interval_ms: number
}

/** The running schedule. */
export interface LakeScheduler {
  /** Stops the timers and waits for a running job. */
  stop(): Promise<void>
}

/** Starts the jobs; each runs first one interval after start, then every interval. */
export function startLakeScheduler(o: {
  lake: Lake
  db: Database
  config: LakeConfig
  retention: RetentionSettings
  log: Logger
  metrics: LakeMetrics
  now?: () => number
}): LakeScheduler {
  const now = o.now ?? Date.now
  let stopped = false
  let running: Promise<void> = Promise.resolve()
  const timers: NodeJS.Timeout[] = []
  let lastVacuum = 0

  const lakeRound = async () => {
    if (o.config.export_closed_days) {
      const r = await o.lake.export()
      if (r.rows > 0)
        o.log.info({ lake_version: r.version, rows: r.rows, files: r.files }, 'lake export of closed days')
    }
    const c = await o.lake.compact({ minFiles: o.config.compact_min_files })
    if (c.days.length > 0) o.log.info({ lake_version: c.version, days: c.days.length }, 'lake compaction')
    if (now() - lastVacuum >= 86_400_000) {
      await o.lake.vacuum()
      lastVacuum = now()
    }
  }
  const retentionRound = async () => {
    const r = await withConnection(o.db, (conn) =>
      applyRetention(conn, { events: o.retention.events_days, sessions: o.retention.sessions_days }, now()),
    )
    o.metrics.retentionRows.inc({ table: 'events' }, r.events)
    o.metrics.retentionRows.inc({ table: 'sessions' }, r.sessions)
    o.metrics.retentionRows.inc({ table: 'late_events' }, r.late_events)
    o.log.info(
      { deleted_events: r.events, deleted_sessions: r.sessions, deleted_late_events: r.late_events },
      'store retention applied',
    )
  }
  const every = (name: string, ms: number, job: () => Promise<void>) => {
    const tick = () => {
      if (stopped) return
      running = running.then(async () => {
        if (stopped) return
        try {
          await job()
        } catch (err) {
          o.metrics.failures.inc({ operation: name })
          o.log.error({ err, job: name }, `${name} failed; retrying at the next round`)
        }
      })
      running.finally(() => {
        if (!stopped) timers.push(setTimeout(tick, ms).unref())
      })
    }
    // The first round waits a whole interval: a start (or a benchmark right after it) is not slowed
    // by an export of every closed day the store holds.
    timers.push(setTimeout(tick, ms).unref())
  }
  every('lake', o.config.export_interval_ms, lakeRound)
  if (o.retention.events_days !== null || o.retention.sessions_days !== null)
    every('retention', o.retention.interval_ms, retentionRound)
  return {
    stop: async () => {
      stopped = true
      for (const t of timers) clearTimeout(t)
      await running
    },
  }
}
