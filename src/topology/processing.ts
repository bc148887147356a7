// The processing role: everything after the log. It consumes the events topic through any EventLog
// (the embedded log in this thread, the one in the ingest thread, or Kafka), runs transforms and
// sinks, and serves the store to the admin listener. `clickflow start` runs it in a worker thread.
import { join } from 'node:path'
import { AnalyticsService } from '../analytics/analytics-service.ts'
import { AdminRoutes } from '../api/admin-routes.ts'
import { AdminServer, type Readiness, type SharedListener } from '../api/admin-server.ts'
import { analyticsRoutes } from '../api/analytics-routes.ts'
import { importHandler } from '../api/import-endpoint.ts'
import { startLateReconcilers } from '../backfill/start.ts'
import { topologicalOrder } from '../config/graph.ts'
import type { ClickflowConfig, ResolvedComponent } from '../config/load.ts'
import type { Clock } from '../core/clock.ts'
import type { BuildContext, ComponentKind, Sink, Transform } from '../core/component.ts'
import { ErasureHooks } from '../core/erasure-hooks.ts'
import { dashboardRoutes } from '../dashboard/routes.ts'
import { startLakeService } from '../lake/lake-service.ts'
import { EVENTS_TOPIC } from '../log/envelope.ts'
import type { EventLog } from '../log/log.ts'
import { DuckdbAnalytics } from '../store/duckdb/analytics-sql.ts'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { DuckdbStore } from '../store/duckdb/duckdb-store.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import type { TransformNode } from './graph-eval.ts'
import { logWriter } from './log-writer.ts'
import { Pipeline, type PipelineSink } from './pipeline.ts'

/** The consumer group of the built-in pipeline. */
export const PIPELINE_GROUP = 'pipeline'

/** What the processing role needs from its host. */
export interface ProcessingServices {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: Clock
  /** The whole process's /metrics text (see AdminServerOptions.metricsText). */
  readonly metricsText?: () => Promise<{ contentType: string; body: string }>
  /** The admin listener's socket when the host owns it (a processing child); bound here otherwise. */
  readonly adminListener?: SharedListener
}

/** The running processing role. */
export interface Processing {
  readonly adminUrl: string
  /** Tells readiness whether the sources are accepting (they run elsewhere). */
  setIngestRunning(running: boolean): void
  readiness(): Readiness
  /** Stops: the admin listener closes after the pipeline drained (up to `drainMs`) and sinks closed. */
  stop(drainMs: number): Promise<void>
}

/** The DuckDB file a config's store uses. */
export function storePath(config: ClickflowConfig): string {
  return config.global.store.path ?? join(config.global.data_dir, 'store', 'clickflow.duckdb')
}

/** Builds and starts store, sinks, transforms, pipeline and admin listener. */
export async function startProcessing(
  config: ClickflowConfig,
  services: ProcessingServices,
  log: EventLog,
): Promise<Processing> {
  const { logger, metrics, clock } = services
  const g = config.global
  const cleanups: (() => Promise<void>)[] = []
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.error({ err }, 'cleanup failed'))
  }
  try {
    const dbOptions = {
      memoryLimit: g.store.memory_limit,
      threads: g.store.threads,
      allowedDirectories: [join(g.data_dir, 'lake')],
    }
    const openDuckdb = (path?: string): Promise<Database> =>
      openDatabase(path ?? storePath(config), dbOptions)
    const store = new DuckdbStore(await openDuckdb(), {
      timeoutMs: g.store.sql_timeout_ms,
      maxRows: g.store.sql_max_rows,
    })
    cleanups.push(() => store.close())

    const adminRoutes = new AdminRoutes()
    const erasure = new ErasureHooks()
    const lake = await startLakeService(config, () => openDuckdb(), logger, metrics, adminRoutes, erasure)
    cleanups.push(() => lake.stop())
    const analyticsDb = await openDuckdb()
    cleanups.push(() => analyticsDb.release())
    const analytics = new DuckdbAnalytics(analyticsDb, { timeoutMs: g.store.sql_timeout_ms })
    adminRoutes.add(...analyticsRoutes(new AnalyticsService(analytics, () => clock.now())))
    adminRoutes.add(...dashboardRoutes(config))
    const ctxFor = (c: ResolvedComponent, kind: ComponentKind): BuildContext => ({
      id: c.id,
      type: c.type,
      log: logger.child({ component: c.id, component_type: c.type }),
      metrics: metrics.component(c.id, c.type, kind),
      registry: metrics,
      clock,
      dataDir: g.data_dir,
      openDuckdb,
      adminRoutes,
      erasure,
    })

    const sinks: PipelineSink[] = []
    for (const c of config.sinks) {
      const ctx = ctxFor(c, 'sink')
      const sink = (await c.spec.build(c.config, ctx)) as Sink
      cleanups.push(() => sink.close())
      await sink.healthcheck(AbortSignal.timeout(10_000))
      sinks.push({ id: c.id, inputs: c.inputs, sink, metrics: ctx.metrics })
    }
    const byId = new Map(config.transforms.map((t) => [t.id, t]))
    const order = topologicalOrder(
      config.transforms.map((t) => ({ id: t.id, kind: 'transform', inputs: t.inputs })),
    )
    const transforms: TransformNode[] = []
    for (const id of order) {
      const c = byId.get(id)
      if (!c) continue
      const ctx = ctxFor(c, 'transform')
      transforms.push({
        id,
        inputs: c.inputs,
        transform: (await c.spec.build(c.config, ctx)) as Transform,
        metrics: ctx.metrics,
      })
    }
    if (!sinks.some((s) => s.sink.keepsDeadLetters)) {
      logger.warn('no sink keeps dead letters; they will only be counted and logged')
    }

    const pipeline = new Pipeline({
      log,
      topic: EVENTS_TOPIC,
      group: PIPELINE_GROUP,
      sourceIds: new Set(config.sources.map((s) => s.id)),
      transforms,
      sinks,
      settings: g.pipeline,
      offsetReset: g.log.offset_reset,
      metrics,
      logger: logger.child({ component: 'pipeline' }),
    })
    await pipeline.start()
    // After the pipeline's start: the processor sink has created its tables by then.
    cleanups.push(await startLateReconcilers(config, () => openDuckdb(), logger, metrics))
    let pipelineStopped = false
    const stopPipeline = async (drainMs: number) => {
      if (pipelineStopped) return
      pipelineStopped = true
      await pipeline.stop(drainMs)
    }
    cleanups.push(() => stopPipeline(0))

    let ingestRunning = false
    const readiness = (): Readiness => {
      const checks: Record<string, string> = {
        startup: ingestRunning ? 'ok' : 'starting',
        pipeline: pipeline.healthy ? 'ok' : `retrying: ${pipeline.lastError ?? 'sink failure'}`,
      }
      return { ready: Object.values(checks).every((v) => v === 'ok'), checks }
    }
    const admin = new AdminServer({
      host: g.api.host,
      port: g.api.port,
      ...(services.adminListener ? { shared: services.adminListener } : {}),
      token: g.api.token,
      store,
      metrics,
      metricsText: services.metricsText,
      log: logger.child({ component: 'admin' }),
      readiness,
      importHandler: importHandler(logWriter(log, EVENTS_TOPIC)),
      routes: adminRoutes.list(),
    })
    await admin.start()
    cleanups.push(() => {
      adminRoutes.close()
      return admin.stop()
    })

    let stopping: Promise<void> | null = null
    return {
      adminUrl: admin.url()!,
      setIngestRunning: (running) => {
        ingestRunning = running
      },
      readiness,
      stop: (drainMs) => {
        stopping ??= (async () => {
          ingestRunning = false
          await stopPipeline(drainMs)
          await cleanup()
        })()
        return stopping
      },
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
