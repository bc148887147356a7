// The live sink: counts every event into the live state (O(1) each, on the pipeline's path), takes a
// snapshot and pushes it to the /api/live subscribers every second, and within 200 ms of new events
// (less often when snapshots are expensive), and runs the alert rules over
// the same state. It keeps nothing durable itself: on start it warms up from the store.
import type { DuckDBConnection } from '@duckdb/node-api'
import { Counter, Gauge, Histogram } from 'prom-client'
import { AlertManager } from '../alerts/alert-manager.ts'
import { AlertStore } from '../alerts/alert-store.ts'
import type { LiveSnapshot } from '../analytics/contract.ts'
import type { BuildContext, Sink, SinkBatch } from '../core/component.ts'
import type { Database } from '../store/duckdb/database.ts'
import type { LiveSinkConfig } from './config.ts'
import { LIVE_FIELDS, type LiveState } from './live-state.ts'
import { liveRoutes } from './routes.ts'
import { SseHub, sseMessage } from './sse.ts'
import { warmFromStore } from './warm.ts'

/** How often subscribers get a snapshot when nothing new arrives (counts still move as time passes). */
export const TICK_MS = 1000
/**
 * New events are pushed this soon after they were counted, at the earliest: a fixed once-a-second
 * tick made them wait up to a second on top of the pipeline, past the 1 s target from the
 * collector's 2xx to /api/live.
 */
const MIN_PUSH_MS = 200
/** A snapshot may take at most this share of the thread: big live states push less often. */
const MAX_SNAPSHOT_SHARE = 0.25
const KEEP_ALIVE_MS = 15_000
/** How long after start events the store already held are skipped if the pipeline delivers them again. */
const SKIP_WARMED_MS = 60_000

/** The running live sink. */
export class LiveSink implements Sink {
  /** Dead letters are counted (dead-letter and error-rate alerts), not kept. */
  readonly keepsDeadLetters = true
  readonly fields = LIVE_FIELDS
  readonly #cfg: LiveSinkConfig
  readonly #ctx: BuildContext
  readonly #state: LiveState
  readonly #db: Database
  readonly #conn: DuckDBConnection
  readonly hub: SseHub
  readonly alerts: AlertManager
  readonly #messages: Counter<string>
  readonly #snapshotSeconds: Histogram<string>
  #timer: NodeJS.Timeout | null = null
  /** When the pending timer fires (performance.now() ms). */
  #nextAt = Number.POSITIVE_INFINITY
  #lastTickAt = 0
  #lastSnapshotMs = 0
  #stopped = false
  #cursor = 0
  #startedAt = 0
  #closed: Promise<void> | null = null

  constructor(
    cfg: LiveSinkConfig,
    ctx: BuildContext,
    state: LiveState,
    db: Database,
    conn: DuckDBConnection,
  ) {
    this.#cfg = cfg
    this.#ctx = ctx
    this.#state = state
    this.#db = db
    this.#conn = conn
    const registers = [ctx.registry.registry]
    const subscribers = new Gauge({
      name: 'clickflow_live_subscribers',
      help: 'Clients subscribed to the live stream (GET /api/live).',
      registers,
    })
    const dropped = new Counter({
      name: 'clickflow_live_dropped_subscribers_total',
      help: 'Live stream clients dropped because they did not read fast enough.',
      registers,
    })
    this.#messages = new Counter({
      name: 'clickflow_live_messages_total',
      help: 'Live snapshots sent, counted once per subscriber.',
      registers,
    })
    this.#snapshotSeconds = new Histogram({
      name: 'clickflow_live_snapshot_seconds',
      help: 'Time to compute one live snapshot.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    })
    this.hub = new SseHub({
      keepAliveMs: KEEP_ALIVE_MS,
      onSubscribers: (n) => subscribers.set(n),
      onDropped: () => dropped.inc(),
    })
    this.alerts = new AlertManager(cfg.alerts, {
      clock: ctx.clock,
      live: state,
      store: new AlertStore(conn),
      history: conn,
      includeBots: cfg.include_bots,
      conversionEvent: cfg.conversion_event,
      log: ctx.log,
      registry: ctx.registry,
      counters: ctx.metrics,
    })
  }

  /** Warms up from the store, registers the routes and starts the ticks and the alerts. */
  async start(): Promise<void> {
    const now = this.#ctx.clock.now()
    this.#startedAt = now
    if (this.#cfg.warm_from_store) {
      const t0 = performance.now()
      const r = await warmFromStore(this.#conn, this.#state, now, {
        includeBots: this.#cfg.include_bots,
        maxRawEvents: this.#cfg.warm_max_events,
      })
      const log = { events: r.events, raw_events: r.rawEvents, ms: Math.round(performance.now() - t0) }
      if (r.truncated)
        this.#ctx.log.warn(
          log,
          'live warm-up hit warm_max_events; visitor counts of the last minutes are low until they pass',
        )
      else this.#ctx.log.info(log, 'live metrics warmed up from the store')
    }
    this.#cursor = this.#state.recentCursor
    await this.alerts.start()
    this.#ctx.adminRoutes?.add(
      ...liveRoutes({
        hub: this.hub,
        snapshot: () => this.#state.snapshot(this.#ctx.clock.now()),
        alerts: () => this.alerts.response(),
      }),
    )
    this.#ctx.adminRoutes?.closing.addEventListener('abort', () => this.hub.close(), { once: true })
    this.#ctx.erasure?.add(async (visitors) => this.#state.forget(visitors))
    this.#lastTickAt = performance.now()
    this.#schedule(this.#lastTickAt + TICK_MS)
  }

  /** Makes the next tick happen at `at` (performance.now() ms) unless one is due sooner. */
  #schedule(at: number): void {
    if (this.#stopped || at >= this.#nextAt) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#nextAt = at
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.#nextAt = Number.POSITIVE_INFINITY
        this.tick()
      },
      Math.max(0, at - performance.now()),
    )
    this.#timer.unref()
  }

  /** Takes the snapshot of this second and sends it to the subscribers; returns it. */
  tick(): LiveSnapshot {
    const now = this.#ctx.clock.now()
    const t0 = performance.now()
    // Every tick snapshots, also without subscribers: the snapshot is what evicts expired entries.
    const snapshot = this.#state.snapshot(now, this.#cursor)
    this.#cursor = this.#state.recentCursor
    const t1 = performance.now()
    this.#lastSnapshotMs = t1 - t0
    this.#lastTickAt = t1
    this.#snapshotSeconds.observe(this.#lastSnapshotMs / 1000)
    this.#schedule(t1 + TICK_MS)
    if (this.hub.size > 0) {
      this.hub.broadcast(sseMessage('live', JSON.stringify(snapshot)))
      this.#messages.inc(this.hub.size)
    }
    if (now - this.#startedAt > SKIP_WARMED_MS) this.#state.skipWarmedIds(null)
    return snapshot
  }

  async healthcheck(): Promise<void> {
    await this.#conn.run('SELECT 1')
  }

  async write(batch: SinkBatch): Promise<void> {
    const now = this.#ctx.clock.now()
    const m = this.#ctx.metrics
    if (batch.events.length > 0) {
      // Received and sent are the pipeline's to count (counting them here too doubled them); what
      // the live view leaves out is this sink's to say.
      const out = this.#state.add(batch.events, now)
      if (out.outsideWindow > 0) m.discarded('outside_window', out.outsideWindow)
      if (out.duplicate > 0) m.discarded('duplicate', out.duplicate)
      if (out.bot > 0) m.discarded('bot', out.bot)
      // Counted events go out soon, not at the next full second.
      if (out.counted > 0)
        this.#schedule(this.#lastTickAt + Math.max(MIN_PUSH_MS, this.#lastSnapshotMs / MAX_SNAPSHOT_SHARE))
    }
    if (batch.deadLetters.length > 0) this.#state.addDeadLetters(batch.deadLetters, now)
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopped = true
      if (this.#timer) clearTimeout(this.#timer)
      this.hub.close()
      await this.alerts.close()
      this.#conn.closeSync()
      await this.#db.release()
    })()
    return this.#closed
  }
}
