// The processing role as the worker thread and the child process both run it: rebuilds the config,
// consumes the log through the ingest side, runs the processing (pipeline, DuckDB, admin listener),
// and answers the control messages. Its /metrics merges the ingest side's metrics with its own.
import { memoryUsage } from 'node:process'
import { AggregatorRegistry, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client'
import type { SharedListener } from '../../api/admin-server.ts'
import { loadConfig } from '../../config/load.ts'
import { systemClock } from '../../core/clock.ts'
import { ConfigError } from '../../core/errors.ts'
import type { LogPort } from '../../log/remote/log-port.ts'
import { toWire } from '../../log/remote/log-rpc.ts'
import { RemoteLog } from '../../log/remote/remote-log.ts'
import { createLogger, type Logger } from '../../telemetry/logger.ts'
import { Metrics } from '../../telemetry/metrics.ts'
import { builtinRegistry } from '../builtin-registry.ts'
import { type Processing, startProcessing } from '../processing.ts'
import type { FromWorker, ProcessingWorkerData, ToWorker } from './messages.ts'

/** Where the role runs and how it talks to the ingest side. */
export interface RoleHost {
  readonly kind: 'thread' | 'process'
  /** Control messages (FromWorker out, ToWorker in). */
  readonly control: LogPort
  /** The log RPC. */
  readonly logPort: LogPort
  /** Whether this thread's (or process's) priority was lowered (see priority.ts). */
  readonly lowered: boolean
  /** A child process's admin socket, owned by the collector's process (admin-socket.ts). */
  readonly adminListener?: SharedListener
  /** Ends the thread or process once `stopped` was sent. */
  exit(code: number): void
}

/** The running role, for its host. */
export interface Role {
  /** Resolves once it is ready (true) or has sent `failed` (false). */
  readonly ready: Promise<boolean>
  /** The role's logger (null until the config is loaded, or when it could not be). */
  logger(): Logger | null
  /**
   * Stops at once, without a drain, for a host whose ingest side is gone: log calls still waiting
   * are refused (they would never be answered), so a start in progress fails and cleans up too.
   */
  abandon(): Promise<void>
}

/** Starts the role; `ready` tells when it is up or has reported its failure. */
export function runProcessingRole(data: ProcessingWorkerData, host: RoleHost): Role {
  const send = (m: FromWorker) => host.control.postMessage(m)
  const log = new RemoteLog(host.logPort)
  const metricsWaiters = new Map<number, (json: unknown) => void>()
  let nextMetricsId = 1
  let started: Promise<Processing | null> = Promise.resolve(null)
  let stopping: Promise<void> | null = null
  const stop = (drainMs: number) => {
    stopping ??= started.then((p) => p?.stop(drainMs)).catch(() => {})
    return stopping
  }

  host.control.on('message', (m: ToWorker) => {
    if (m.type === 'metrics') {
      metricsWaiters.get(m.id)?.(m.json)
      metricsWaiters.delete(m.id)
    } else if (m.type === 'ingest') started.then((p) => p?.setIngestRunning(m.running))
    else if (m.type === 'stop') {
      stop(m.drainMs).finally(() => {
        send({ type: 'stopped' })
        // Let the message leave before the thread or process ends; DuckDB is closed by now.
        setImmediate(() => host.exit(0))
      })
    }
  })

  const ingestMetrics = (): Promise<unknown> => {
    const id = nextMetricsId++
    return new Promise((resolve) => {
      metricsWaiters.set(id, resolve)
      send({ type: 'metrics', id })
    })
  }

  let logger: Logger | null = null
  const ready = (async () => {
    try {
      const config = loadConfig({
        text: data.configText,
        origin: data.configOrigin,
        interpolated: true,
        env: {},
        overrides: data.overrides,
        registry: builtinRegistry(),
      })
      // The tag tells the two sides' lines apart in the shared output: `thread` as before, and in
      // process mode also `process: child` (with the child's own pid from the base fields).
      logger = createLogger({ level: config.global.log_level }).child(
        host.kind === 'thread' ? { thread: 'processing' } : { thread: 'processing', process: 'child' },
      )
      if (!host.lowered)
        logger.warn(
          `could not lower the processing ${host.kind} priority; ingest and processing share the cores evenly`,
        )
      // Process-wide default metrics (CPU, memory) are collected once, by the ingest side. A child's
      // memory is its own, so it shows as a gauge of its own next to the collector's.
      const metrics = new Metrics({ defaultMetrics: false })
      if (host.kind === 'process') {
        new Gauge({
          name: 'clickflow_processing_process_resident_memory_bytes',
          help: 'Resident memory of the processing child process (the collector process reports clickflow_process_resident_memory_bytes).',
          registers: [metrics.registry],
          collect() {
            this.set(memoryUsage.rss())
          },
        })
      }
      const metricsText = async () => {
        const merged = AggregatorRegistry.aggregate([
          (await ingestMetrics()) as MetricObjectWithValues<MetricValue<string>>[],
          await metrics.registry.getMetricsAsJSON(),
        ])
        return { contentType: metrics.registry.contentType, body: await merged.metrics() }
      }
      const services = {
        logger,
        metrics,
        clock: systemClock,
        metricsText,
        ...(host.adminListener ? { adminListener: host.adminListener } : {}),
      }
      const starting = startProcessing(config, services, log)
      started = starting.catch(() => null)
      const processing = await starting
      send({ type: 'ready', adminUrl: processing.adminUrl })
      return true
    } catch (err) {
      send({
        type: 'failed',
        error: toWire(err),
        ...(err instanceof ConfigError ? { issues: err.issues } : {}),
      })
      return false
    }
  })()
  return {
    ready,
    logger: () => logger,
    abandon: async () => {
      await log.close()
      await stop(0)
    },
  }
}
