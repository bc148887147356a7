// Starts and stops a whole clickflow from a validated config, on two threads: this one ingests
// (sources and the durable log: a 2xx waits only for the log's fsync), a worker processes (pipeline,
// DuckDB, admin listener) on the other core; with runtime.processing: process the processing role
// runs in a child process instead (processing-process.ts). Nothing is accepted before processing is
// up; stop runs in reverse and drains each stage.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClickflowConfig } from '../config/load.ts'
import type { Clock } from '../core/clock.ts'
import type { BuildContext, Source } from '../core/component.ts'
import { ClickflowError } from '../core/errors.ts'
import { EVENTS_TOPIC } from '../log/envelope.ts'
import type { EventLog } from '../log/log.ts'
import { openLog } from '../log/open-log.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { lockDataDir } from './data-dir-lock.ts'
import { logWriter } from './log-writer.ts'
import { startProcessingProcess } from './worker/processing-process.ts'
import { startProcessingThread } from './worker/processing-thread.ts'

/** The file holding the admin URL of the clickflow running on `dataDir` (absent when none runs). */
export function adminUrlFile(dataDir: string): string {
  return join(dataDir, 'clickflow.admin-url')
}

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
  /** Graceful stop: sources drain, the pipeline processes what is logged (up to `drainMs`), all closes. */
  stop(drainMs?: number): Promise<void>
}

/** Starts everything a config describes. */
export async function startClickflow(
  config: ClickflowConfig,
  services: RuntimeServices,
): Promise<RunningClickflow> {
  const { logger, metrics, clock } = services
  const g = config.global
  await mkdir(g.data_dir, { recursive: true })
  const lock = await lockDataDir(g.data_dir, {
    onWait: (pid) =>
      logger.warn(
        { child_pid: pid },
        'waiting for the processing child of the previous clickflow on this data dir to exit',
      ),
  })
  const cleanups: (() => Promise<void>)[] = [() => lock.release()]
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.error({ err }, 'cleanup failed'))
  }
  try {
    const log = await openLog(g.log, g.data_dir, logger.child({ component: 'log' }), metrics)
    cleanups.push(() => log.close())
    await log.partitions(EVENTS_TOPIC)

    const processing =
      g.runtime.processing === 'process'
        ? await startProcessingProcess(config, log, metrics, logger, lock)
        : await startProcessingThread(config, log, metrics, logger)
    let processingStopped = false
    const stopProcessing = async (drainMs: number) => {
      if (processingStopped) return
      processingStopped = true
      await processing.stop(drainMs)
    }
    cleanups.push(() => stopProcessing(0))
    // Where `clickflow import` finds this process's admin listener to hand its events to.
    await writeFile(adminUrlFile(g.data_dir), processing.adminUrl)
    cleanups.push(() => rm(adminUrlFile(g.data_dir), { force: true }))

    const sources: Source[] = []
    for (const c of config.sources) {
      const ctx: BuildContext = {
        id: c.id,
        type: c.type,
        log: logger.child({ component: c.id, component_type: c.type }),
        metrics: metrics.component(c.id, c.type, 'source'),
        registry: metrics,
        clock,
        dataDir: g.data_dir,
        // Sources write to the log only; the store belongs to the processing thread.
        openDuckdb: () =>
          Promise.reject(new ClickflowError('no_store_here', `source ${c.id} cannot open the store`)),
      }
      const source = (await c.spec.build(c.config, ctx)) as Source
      await source.start(logWriter(log, EVENTS_TOPIC))
      sources.push(source)
      cleanups.push(() => source.stop())
    }
    processing.setIngestRunning(true)

    let stopping: Promise<void> | null = null
    return {
      urls: { collector: sources.flatMap((s) => s.urls()), admin: processing.adminUrl },
      log,
      stop: (drainMs = 10_000) => {
        stopping ??= (async () => {
          processing.setIngestRunning(false)
          // Sources first: they finish in-flight requests, whose acks need the log still open.
          for (const s of sources)
            await s.stop().catch((err) => logger.error({ err }, 'stopping a source failed'))
          await stopProcessing(drainMs)
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
