// The collector's handle on the processing role run as a child process (runtime.processing:
// process): forks it (at lower priority), serves it the log and the ingest side's metrics over the
// IPC pipe, stops it with a drain, and, when it dies unasked (a native crash, an out-of-memory kill),
// logs and counts it and starts it again with backoff while the collector goes on acknowledging:
// the log is durable, and the new child resumes from the committed offsets. The admin listener's
// socket is this process's (admin-socket.ts), so its port stays open across restarts.
import { type ChildProcess, fork } from 'node:child_process'
import type { Socket } from 'node:net'
import { setPriority } from 'node:os'
import { Counter } from 'prom-client'
import type { ClickflowConfig } from '../../config/load.ts'
import { ClickflowError, ConfigError } from '../../core/errors.ts'
import type { EventLog } from '../../log/log.ts'
import { ipcPort } from '../../log/remote/ipc-port.ts'
import { fromWire } from '../../log/remote/log-rpc.ts'
import { serveLog } from '../../log/remote/log-server.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import { AdminSocket } from './admin-socket.ts'
import {
  BULK_LANE_FD,
  type FromWorker,
  IPC_CONTROL,
  IPC_LOG,
  type ProcessingWorkerData,
  type ToWorker,
} from './messages.ts'
import { moduleUrl } from './module-url.ts'
import { PROCESSING_NICENESS } from './priority.ts'
import type { ProcessingThread } from './processing-thread.ts'
import { limitCollectorHeapGrowth, processingChildExecArgv } from './young-generation.ts'

/** First wait before a crashed child is started again; doubles per crash up to RESTART_MAX_MS. */
const RESTART_INITIAL_MS = 1_000
const RESTART_MAX_MS = 30_000
/** A child that ran this long before it crashed starts the backoff over. */
const RESTART_RESET_AFTER_MS = 60_000
/** After its drain, the longest a stopping child may take to close before it is killed. */
const STOP_GRACE_MS = 30_000

/** What the runtime lets the supervisor do besides running the child. */
export interface ChildHooks {
  /** Names the running child in the data directory's lock (null: none runs). */
  recordChild(pid: number | null): Promise<void>
}

interface Launch {
  readonly child: ChildProcess
  send(m: ToWorker): void
  /** Resolves when the child is ready, rejects when it fails or exits first. */
  readonly ready: Promise<void>
  /** Resolves when the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly startedAt: number
  /** Set once it was ready. */
  wasReady: boolean
}

/** Binds the admin socket and starts the processing child; resolves once the child is ready. */
export async function startProcessingProcess(
  config: ClickflowConfig,
  log: EventLog,
  metrics: Metrics,
  logger: Logger,
  hooks: ChildHooks,
): Promise<ProcessingThread> {
  const crashes = new Counter({
    name: 'clickflow_processing_child_crashes_total',
    help: 'Times the processing child process ended without being asked to, or could not start again, by cause; each is followed by a restart with backoff.',
    labelNames: ['cause'],
    registers: [metrics.registry],
  })
  crashes.inc({ cause: 'exit' }, 0)
  // Bound here first: a port that is taken fails the start before any child runs.
  const admin = await AdminSocket.bind(config.global.api.host, config.global.api.port, { logger, metrics })
  // This process now holds the collector and the log alone: its heap can be kept tight.
  limitCollectorHeapGrowth()
  const data: ProcessingWorkerData = {
    entry: moduleUrl('./processing-child.ts', import.meta.url).href,
    configText: config.input.text,
    configOrigin: config.origin,
    overrides: config.input.overrides,
  }

  const launch = (d: ProcessingWorkerData): Launch => {
    const child = fork(new URL('./boot.mjs', import.meta.url), [d.entry], {
      serialization: 'advanced',
      // The same flags as this process (profiling, memory limits; `--import tsx` when run from src/)
      // and the processing role's young generation; stdout and stderr are this process's, so both
      // sides' JSON lines go where the operator reads them.
      execArgv: processingChildExecArgv(process.execArgv),
      // fd 4: the log's bulk lane (ipc-port.ts), read answers written from the read buffers.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
    })
    const pid = child.pid
    if (pid !== undefined) {
      // Before the child's runtime starts its threads where possible: threads inherit the niceness
      // of the thread that starts them, so DuckDB's and libuv's threads in the child run lowered too.
      try {
        setPriority(pid, PROCESSING_NICENESS)
      } catch {
        // The child lowers its own main thread again and warns if that fails too.
      }
    }
    const control = ipcPort(child, IPC_CONTROL)
    admin.share(child)
    const lane = child.stdio[BULK_LANE_FD] as Socket | null
    // A lane closed under a write (the child died) is noticed through the IPC pipe's exit.
    lane?.on('error', () => {})
    serveLog(log, ipcPort(child, IPC_LOG, lane ? { out: lane } : {}))
    const send = (m: ToWorker) => control.postMessage(m)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        admin.release(child)
        resolve({ code, signal })
      })
      // A fork that failed (no such file, out of processes) emits 'error' and possibly no 'exit'.
      child.once('error', (err) => {
        logger.error({ err }, 'the processing child could not be started')
        resolve({ code: null, signal: null })
      })
    })
    const ready = new Promise<void>((resolve, reject) => {
      control.on('message', (m: FromWorker) => {
        if (m.type === 'boot') send({ type: 'start', data: d })
        else if (m.type === 'metrics')
          metrics.registry.getMetricsAsJSON().then((json) => send({ type: 'metrics', id: m.id, json }))
        else if (m.type === 'ready') resolve()
        else if (m.type === 'failed') reject(m.issues ? new ConfigError(m.issues) : fromWire(m.error))
      })
      exited.then(({ code, signal }) =>
        reject(
          new ClickflowError(
            'processing_failed',
            `the processing child exited before it was ready (${signal ?? `exit code ${code}`})`,
          ),
        ),
      )
    })
    const l: Launch = { child, send, ready, exited, startedAt: Date.now(), wasReady: false }
    // A rejection is handled by whoever waits on it; a restart that no one awaits must not crash.
    ready.then(
      () => {
        l.wasReady = true
      },
      () => {},
    )
    return l
  }

  let current = launch(data)
  try {
    await hooks.recordChild(current.child.pid ?? null)
    await current.ready
  } catch (err) {
    current.child.kill('SIGKILL')
    await current.exited
    await hooks.recordChild(null)
    admin.close()
    throw err
  }
  admin.serveWith(current.child)

  let ingestRunning = false
  let stopping = false
  let backoffMs = RESTART_INITIAL_MS
  let restartTimer: NodeJS.Timeout | null = null

  const watch = (l: Launch) => {
    l.exited.then(({ code, signal }) => {
      if (stopping || l !== current) return
      const cause = signal ?? (l.wasReady ? `exit code ${code}` : 'start failed')
      crashes.inc({ cause: signal ? signal : l.wasReady ? 'exit' : 'start_failed' })
      if (Date.now() - l.startedAt >= RESTART_RESET_AFTER_MS) backoffMs = RESTART_INITIAL_MS
      logger.error(
        { child_pid: l.child.pid, code, signal, restart_in_ms: backoffMs },
        `the processing child ended unasked (${cause}); the collector keeps acknowledging into the log, and a new child resumes from the committed offsets`,
      )
      hooks.recordChild(null).catch((err) => logger.error({ err }, 'could not update the data dir lock'))
      restartTimer = setTimeout(restart, backoffMs)
      backoffMs = Math.min(backoffMs * 2, RESTART_MAX_MS)
    })
  }

  const restart = () => {
    restartTimer = null
    if (stopping) return
    const l = launch(data)
    current = l
    hooks
      .recordChild(l.child.pid ?? null)
      .catch((err) => logger.error({ err }, 'could not update the data dir lock'))
    l.ready.then(
      () => {
        if (stopping || l !== current) return
        logger.info({ child_pid: l.child.pid }, 'the processing child is running again')
        // In this order on the one pipe: the held requests find the child told the sources accept.
        l.send({ type: 'ingest', running: ingestRunning })
        admin.serveWith(l.child)
      },
      (err: unknown) => {
        if (stopping || l !== current) return
        logger.error({ err, child_pid: l.child.pid }, 'the restarted processing child failed to start')
        // It exits by itself after `failed`; make sure of it, then count it as a crash.
        l.child.kill('SIGKILL')
      },
    )
    watch(l)
  }

  watch(current)
  return {
    adminUrl: admin.url,
    setIngestRunning: (running) => {
      ingestRunning = running
      current.send({ type: 'ingest', running })
    },
    stop: async (drainMs) => {
      stopping = true
      if (restartTimer) clearTimeout(restartTimer)
      const l = current
      if (l.child.exitCode === null && l.child.signalCode === null) {
        l.send({ type: 'stop', drainMs })
        const grace = setTimeout(() => {
          logger.warn(
            { child_pid: l.child.pid },
            `the processing child did not stop within ${(drainMs + STOP_GRACE_MS) / 1000} s; killing it (the log keeps everything it had not committed)`,
          )
          l.child.kill('SIGKILL')
        }, drainMs + STOP_GRACE_MS)
        await l.exited
        clearTimeout(grace)
      }
      admin.close()
      await hooks.recordChild(null)
    },
  }
}
