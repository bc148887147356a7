// Starts and stops a whole clickflow from a validated config: log, store, sinks, transforms,
// pipeline, admin listener, then sources (so nothing is accepted before everything downstream runs).
// Stop runs in the opposite order and drains each stage.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { AdminServer, type Readiness } from '../api/admin-server.ts'
import { topologicalOrder } from '../config/graph.ts'
import type { ClickflowConfig, ResolvedComponent } from '../config/load.ts'
import type { Clock } from '../core/clock.ts'
import type { BuildContext, ComponentKind, Sink, Source, Transform } from '../core/component.ts'
import { EVENTS_TOPIC } from '../log/envelope.ts'
import type { EventLog } from '../log/log.ts'
import { openLog } from '../log/open-log.ts'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { DuckdbStore } from '../store/duckdb/duckdb-store.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { lockDataDir } from './data-dir-lock.ts'
import type { TransformNode } from './graph-eval.ts'
import { logWriter } from './log-writer.ts'
import { Pipeline, type PipelineSink } from './pipeline.ts'

/** Shared services handed to the runtime. */
export interface RuntimeServices {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: Clock
}

/** A running clickflow. */
export interface RunningClickflow {
  /** Collector URLs and the admin URL. */
  readonly urls: { readonly collector: readonly string[]; readonly admin: string }
  readonly log: EventLog
  readiness(): Readiness
  /** Graceful stop: sources drain, the pipeline processes what is logged (up to `drainMs`), all closes. */
  stop(drainMs?: number): Promise<void>
}

/** The consumer group of the built-in pipeline. */
export const PIPELINE_GROUP = 'pipeline'

/** Starts everything a config describes. */
export async function startClickflow(
  config: ClickflowConfig,
  services: RuntimeServices,
): Promise<RunningClickflow> {
  const { logger, metrics, clock } = services
  const g = config.global
  await mkdir(g.data_dir, { recursive: true })
  const lock = await lockDataDir(g.data_dir)
  const cleanups: (() => Promise<void>)[] = [() => lock.release()]
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.error({ err }, 'cleanup failed'))
  }
  try {
    const log = await openLog(g.log, g.data_dir, logger.child({ component: 'log' }), metrics)
    cleanups.push(() => log.close())
    await log.partitions(EVENTS_TOPIC)

    const storePath = g.store.path ?? join(g.data_dir, 'store', 'clickflow.duckdb')
    const dbOptions = {
      memoryLimit: g.store.memory_limit,
      threads: g.store.threads,
      allowedDirectories: [join(g.data_dir, 'lake')],
    }
    const openDuckdb = (path?: string): Promise<Database> => openDatabase(path ?? storePath, dbOptions)
    const storeDb = await openDuckdb()
    const store = new DuckdbStore(storeDb, {
      timeoutMs: g.store.sql_timeout_ms,
      maxRows: g.store.sql_max_rows,
    })
    cleanups.push(() => store.close())

    const ctxFor = (c: ResolvedComponent, kind: ComponentKind): BuildContext => ({
      id: c.id,
      type: c.type,
      log: logger.child({ component: c.id, component_type: c.type }),
      metrics: metrics.component(c.id, c.type, kind),
      registry: metrics,
      clock,
      dataDir: g.data_dir,
      openDuckdb,
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
    if (!sinks.some((s) => s.sink.keepsDeadLetters))
      logger.warn('no sink keeps dead letters; they will only be counted and logged')

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
    let pipelineStopped = false
    const stopPipeline = async (drainMs: number) => {
      if (pipelineStopped) return
      pipelineStopped = true
      await pipeline.stop(drainMs)
    }
    cleanups.push(() => stopPipeline(0))

    let started = false
    const readiness = (): Readiness => {
      const checks: Record<string, string> = {
        startup: started ? 'ok' : 'starting',
        pipeline: pipeline.healthy ? 'ok' : `retrying: ${pipeline.lastError ?? 'sink failure'}`,
      }
      return { ready: Object.values(checks).every((v) => v === 'ok'), checks }
    }
    const admin = new AdminServer({
      host: g.api.host,
      port: g.api.port,
      token: g.api.token,
      store,
      metrics,
      log: logger.child({ component: 'admin' }),
      readiness,
    })
    await admin.start()
    cleanups.push(() => admin.stop())

    const sources: Source[] = []
    for (const c of config.sources) {
      const source = (await c.spec.build(c.config, ctxFor(c, 'source'))) as Source
      await source.start(logWriter(log, EVENTS_TOPIC))
      sources.push(source)
      cleanups.push(() => source.stop())
    }
    started = true

    let stopping: Promise<void> | null = null
    return {
      urls: { collector: sources.flatMap((s) => s.urls()), admin: admin.url()! },
      log,
      readiness,
      stop: (drainMs = 10_000) => {
        stopping ??= (async () => {
          started = false
          // Sources first: they finish in-flight requests, whose acks need the log still open.
          for (const s of sources)
            await s.stop().catch((err) => logger.error({ err }, 'stopping a source failed'))
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
