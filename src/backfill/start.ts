// Starts the late-event reconciliation for each processor sink that writes to the store the API
// queries (a processor with its own `path` has no events table beside its sessions to rebuild from).
import type { ClickflowConfig } from '../config/load.ts'
import type { ProcessorSinkConfig } from '../sinks/processor/config.ts'
import type { Database } from '../store/duckdb/database.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { LateReconciler } from './late-reconciler.ts'

/** Visitors rebuilt per round (one transaction). */
const VISITORS_PER_ROUND = 2_000

/** Starts the reconcilers; the returned function stops them. */
export async function startLateReconcilers(
  config: ClickflowConfig,
  openStore: () => Promise<Database>,
  logger: Logger,
  metrics: Metrics,
): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = []
  for (const sink of config.sinks) {
    if (sink.type !== 'processor') continue
    const c = sink.config as ProcessorSinkConfig
    if (c.path !== undefined || c.reconcile_late_interval_ms === 0) continue
    const db = await openStore()
    const reconciler = new LateReconciler(
      db,
      {
        gapMs: c.session_gap_ms,
        maxMs: c.session_max_ms,
        bounceEngagedMs: c.bounce_engaged_ms,
        allowedLatenessMs: c.allowed_lateness_ms,
        intervalMs: c.reconcile_late_interval_ms,
        maxVisitors: VISITORS_PER_ROUND,
      },
      logger.child({ component: sink.id, job: 'late_reconcile' }),
      metrics,
    )
    reconciler.start()
    stops.push(async () => {
      await reconciler.stop()
      await db.release()
    })
  }
  return async () => {
    for (const stop of stops) await stop()
  }
}
