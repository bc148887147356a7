// The ingest thread's handle on the processing worker: starts it with a port to the log, answers its
// metrics requests, and stops it (draining) when clickflow stops.
import { MessageChannel, Worker } from 'node:worker_threads'
import type { ClickflowConfig } from '../../config/load.ts'
import { ClickflowError, ConfigError } from '../../core/errors.ts'
import type { EventLog } from '../../log/log.ts'
import { fromWire } from '../../log/remote/log-rpc.ts'
import { serveLog } from '../../log/remote/log-server.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import type { FromWorker, ProcessingWorkerData, ToWorker } from './messages.ts'
import { moduleUrl } from './module-url.ts'
import { processingWorkerLimits } from './young-generation.ts'

/** The running processing role, in a worker thread or a child process (processing-process.ts). */
export interface ProcessingThread {
  readonly adminUrl: string
  setIngestRunning(running: boolean): void
  /** Drains the pipeline (up to `drainMs`), closes the store and the admin listener, ends the thread. */
  stop(drainMs: number): Promise<void>
}

/** Starts the processing worker; resolves once its admin listener is up. */
export function startProcessingThread(
  config: ClickflowConfig,
  log: EventLog,
  metrics: Metrics,
  logger: Logger,
): Promise<ProcessingThread> {
  const channel = new MessageChannel()
  serveLog(log, channel.port1)
  const workerData: ProcessingWorkerData & { logPort: unknown } = {
    entry: moduleUrl('./processing-worker.ts', import.meta.url).href,
    configText: config.input.text,
    configOrigin: config.origin,
    overrides: config.input.overrides,
    logPort: channel.port2,
  }
  const worker = new Worker(new URL('./boot.mjs', import.meta.url), {
    workerData,
    transferList: [channel.port2],
    resourceLimits: processingWorkerLimits,
  })
  const send = (m: ToWorker) => worker.postMessage(m)
  let stopped: (() => void) | null = null
  return new Promise((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'metrics') {
        metrics.registry.getMetricsAsJSON().then((json) => send({ type: 'metrics', id: m.id, json }))
      } else if (m.type === 'ready') {
        resolve({
          adminUrl: m.adminUrl,
          setIngestRunning: (running) => send({ type: 'ingest', running }),
          stop: (drainMs) =>
            new Promise<void>((done) => {
              stopped = done
              send({ type: 'stop', drainMs })
            }),
        })
      } else if (m.type === 'failed') {
        reject(m.issues ? new ConfigError(m.issues) : fromWire(m.error))
        // The worker cleaned up what it had started; its ports would keep this process alive.
        void worker.terminate()
      } else if (m.type === 'stopped') stopped?.()
    })
    worker.on('error', (err) => {
      logger.error({ err }, 'the processing worker failed')
      void worker.terminate()
      reject(
        new ClickflowError('processing_failed', `the processing worker failed: ${err.message}`, {
          cause: err,
        }),
      )
    })
    worker.on('exit', (code) => {
      channel.port1.close()
      stopped?.()
      if (code !== 0) logger.error({ code }, 'the processing worker exited')
    })
  })
}
