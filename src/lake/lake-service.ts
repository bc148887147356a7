// The lake inside the processing worker: the Lake over the store's database, its admin routes
// (export, compact, vacuum, history, snapshot, erase) and the schedule of closed-day exports,
// compaction, vacuum and store retention.
import type { AdminRoutes } from '../api/admin-routes.ts'
import type { ClickflowConfig } from '../config/load.ts'
import type { ErasureHooks } from '../core/erasure-hooks.ts'
import type { Database } from '../store/duckdb/database.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { Lake } from './lake.ts'
import { LakeMetrics } from './lake-metrics.ts'
import { lakeRoutes } from './routes.ts'
import { startLakeScheduler } from './scheduler.ts'

/** The running lake service. */
export interface LakeService {
  readonly lake: Lake
  stop(): Promise<void>
}

/** Builds the lake for `config` and starts its schedule; registers its routes on `routes`. */
export async function startLakeService(
  config: ClickflowConfig,
  openDuckdb: () => Promise<Database>,
  logger: Logger,
  metrics: Metrics,
  routes: AdminRoutes,
  erasureHooks?: ErasureHooks,
): Promise<LakeService> {
  const g = config.global
  const db = await openDuckdb()
  const log = logger.child({ component: 'lake' })
  const lakeMetrics = new LakeMetrics(metrics.registry)
  const lake = new Lake({
    dataDir: g.data_dir,
    db,
    log,
    metrics: lakeMetrics,
    checkpointInterval: g.lake.checkpoint_interval,
    closeDelayMs: g.lake.close_delay_ms,
    targetFileBytes: g.lake.target_file_bytes,
    vacuumRetentionMs: g.lake.vacuum_retention_ms,
  })
  routes.add(...lakeRoutes(lake, db, lakeMetrics, log, Date.now, erasureHooks))
  const scheduler = startLakeScheduler({
    lake,
    db,
    config: g.lake,
    retention: {
      events_days: g.store.retention_events_days,
      sessions_days: g.store.retention_sessions_days,
      interval_ms: g.store.retention_interval_ms,
    },
    log,
    metrics: lakeMetrics,
  })
  return {
    lake,
    stop: async () => {
      await scheduler.stop()
      // Wait for an export or erasure the API started.
      await lake.exclusive('stop', async () => undefined)
      await db.release()
    },
  }
}
