// The processing worker's entry: rebuilds the config, consumes the log through the ingest thread,
// and runs the processing role (pipeline, DuckDB, admin listener) on its own core. Its /metrics
// merges the ingest thread's metrics with its own.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client'
import { loadConfig } from '../../config/load.ts'
import { systemClock } from '../../core/clock.ts'
import { ConfigError } from '../../core/errors.ts'
import { toWire } from '../../log/remote/log-rpc.ts'
import { RemoteLog } from '../../log/remote/remote-log.ts'
import { createLogger } from '../../telemetry/logger.ts'
import { Metrics } from '../../telemetry/metrics.ts'
import { builtinRegistry } from '../builtin-registry.ts'
import { type Processing, startProcessing } from '../processing.ts'
import type { FromWorker, ProcessingWorkerData, ToWorker } from './messages.ts'
import { lowerThreadPriority } from './priority.ts'

const data = workerData as ProcessingWorkerData & { logPort: MessagePort }
const parent = parentPort!
const send = (m: FromWorker) => parent.postMessage(m)

const metricsWaiters = new Map<number, (json: unknown) => void>()
let nextMetricsId = 1
let processing: Processing | null = null

parent.on('message', (m: ToWorker) => {
  if (m.type === 'metrics') {
    metricsWaiters.get(m.id)?.(m.json)
    metricsWaiters.delete(m.id)
  } else if (m.type === 'ingest') processing?.setIngestRunning(m.running)
  else if (m.type === 'stop') {
    const stopping = processing ? processing.stop(m.drainMs) : Promise.resolve()
    stopping.finally(() => {
      send({ type: 'stopped' })
      // Let the message leave before the thread ends; open handles (DuckDB) are closed by now.
      setImmediate(() => process.exit(0))
    })
  }
})

function ingestMetrics(): Promise<unknown> {
  const id = nextMetricsId++
  return new Promise((resolve) => {
    metricsWaiters.set(id, resolve)
    send({ type: 'metrics', id })
  })
}

// Before anything runs here: when the cores are short, the ingest thread's acknowledgements win
// over processing, which catches up from the log afterwards (see priority.ts).
const lowered = lowerThreadPriority()

try {
  const config = loadConfig({
    text: data.configText,
    origin: data.configOrigin,
    interpolated: true,
    env: {},
    overrides: data.overrides,
    registry: builtinRegistry(),
  })
  const logger = createLogger({ level: config.global.log_level }).child({ thread: 'processing' })
  if (!lowered)
    logger.warn(
      'could not lower the processing thread priority; ingest and processing share the cores evenly',
    )
  // Process-wide default metrics (CPU, memory) are collected once, by the ingest thread.
  const metrics = new Metrics({ defaultMetrics: false })
  const metricsText = async () => {
    const merged = AggregatorRegistry.aggregate([
      (await ingestMetrics()) as MetricObjectWithValues<MetricValue<string>>[],
      await metrics.registry.getMetricsAsJSON(),
    ])
    return { contentType: metrics.registry.contentType, body: await merged.metrics() }
  }
  processing = await startProcessing(
    config,
    { logger, metrics, clock: systemClock, metricsText },
    new RemoteLog(data.logPort),
  )
  send({ type: 'ready', adminUrl: processing.adminUrl })
} catch (err) {
  send({ type: 'failed', error: toWire(err), ...(err instanceof ConfigError ? { issues: err.issues } : {}) })
}
