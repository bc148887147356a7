// `clickflow start`: runs the whole pipeline in this process until SIGINT/SIGTERM. The first signal
// stops gracefully (stop accepting, drain, flush, close); a second one, a second or more later, exits
// at once, which is safe because everything acknowledged is already fsync'd in the log.
import { type ConfigOverrides, loadConfig } from '../config/load.ts'
import { systemClock } from '../core/clock.ts'
import type { DemoOptions, RunningDemo } from '../demo/demo.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Metrics } from '../telemetry/metrics.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { startClickflow } from '../topology/runtime.ts'
import { EXIT } from './exit.ts'

/** Signals closer together than this are one stop request delivered twice (see onSignal). */
const DUPLICATE_SIGNAL_MS = 1_000
/** Timer turns (every 100 ms) that must run after the first signal before another one counts. */
const DUPLICATE_SIGNAL_TURNS = 5

/** Options of `clickflow start`, as parsed from the command line. */
export interface StartOptions {
  readonly config?: string
  readonly overrides: ConfigOverrides
  /** `--demo`: also serve the demo shop and send it simulated traffic. */
  readonly demo?: DemoOptions
}

/** Runs clickflow until a signal; resolves with the exit code. */
export async function runStart(options: StartOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const loaded = loadConfig({
    path: options.config,
    env,
    registry: builtinRegistry(),
    overrides: {
      ...options.overrides,
      adminToken: options.overrides.adminToken ?? (env.CLICKFLOW_ADMIN_TOKEN || undefined),
    },
  })
  // The demo's code (shop, traffic generator) is loaded only with --demo.
  const demoModule = options.demo ? await import('../demo/demo.ts') : null
  const config = demoModule ? demoModule.demoConfig(loaded) : loaded
  const logger = createLogger({ level: config.global.log_level })
  for (const w of config.warnings) logger.warn({ path: w.path }, `config: ${w.message}`)
  const metrics = new Metrics()
  logger.info({ config: config.origin, data_dir: config.global.data_dir }, 'clickflow starting')
  const running = await startClickflow(config, { logger, metrics, clock: systemClock })
  let demo: RunningDemo | null = null
  if (options.demo && demoModule) {
    try {
      demo = await demoModule.startDemo(options.demo, running, config, logger)
    } catch (err) {
      await running.stop()
      throw err
    }
  }
  // The handlers go in before "running" is announced: until a listener exists, SIGINT and SIGTERM
  // have their default action and kill the process on the spot.
  const stopped = new Promise<number>((resolve) => {
    let firstSignalAt: number | null = null
    // Event-loop turns since the first signal. A duplicate that was pending while the loop was
    // blocked (a busy stop on a loaded machine) is handled late, more than a second after the first,
    // though no turn passed in between: counting turns tells it from a second Ctrl+C.
    let turns = 0
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt !== null) {
        // One Ctrl+C under `npm start` arrives twice: the terminal signals the whole process group
        // and npm forwards what it got. Only a second signal a moment later means "exit now".
        if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS || turns < DUPLICATE_SIGNAL_TURNS) {
          logger.debug({ signal }, 'the same stop request again (within a second): still stopping')
          return
        }
        logger.warn({ signal }, 'second signal: exiting now; acknowledged events are safe in the log')
        // Die of the signal itself, as a program without handlers would (exit status 128 + n, which
        // shells and supervisors read as "interrupted"). process.exit() ran the native teardown of a
        // DuckDB still working in the processing thread, which aborted ("terminate called after
        // throwing Napi::Error"). Nothing is lost: a 2xx was given only after the log's fsync, and
        // DuckDB recovers from its WAL as after any crash.
        process.removeAllListeners(signal)
        process.kill(process.pid, signal)
        return
      }
      firstSignalAt = Date.now()
      setInterval(() => turns++, DUPLICATE_SIGNAL_MS / DUPLICATE_SIGNAL_TURNS / 2).unref()
      logger.info({ signal }, 'stopping: draining requests and the pipeline')
      // The demo's traffic stops first, so it does not hit a closing collector.
      ;(demo ? demo.stop() : Promise.resolve())
        .then(() => running.stop())
        .then(() => {
          logger.info('clickflow stopped')
          resolve(EXIT.ok)
        })
        .catch((err) => {
          logger.error({ err }, 'clean stop failed')
          resolve(EXIT.failure)
        })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  logger.info(
    {
      collector: running.urls.collector,
      admin: running.urls.admin,
      data_dir: config.global.data_dir,
      ...(demo ? { demo_site: demo.siteUrl } : {}),
    },
    'clickflow is running',
  )
  process.stderr.write(
    `clickflow is running\n  collector: ${running.urls.collector.join(', ') || '(no http source)'}\n  admin:     ${running.urls.admin}\n  data:      ${config.global.data_dir}\n${demo ? `  demo shop: ${demo.siteUrl}\n` : ''}`,
  )
  return stopped
}
