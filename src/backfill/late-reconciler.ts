// Folds late events into the sessions table. The stream processor keeps events that arrive after its
// allowed lateness aside in `late_events` (it cannot reopen a session it already let go of); most
// come from importing history while live traffic moves the watermark to now. This job, in the
// processing worker, rebuilds the affected visitors' sessions from the stored events, with the
// processor's own rules (late-sessions.ts), and replaces their rows: the "batch layer" that corrects
// the stream's results, as Snowplow's incremental sessionization does with a lookback window.
//
// A visitor is taken only when every session it touches is closed for good (its end + gap +
// lateness is behind the processor's watermark), so the job never races the processor over a
// session it still holds. Its rows are replaced only when the events table holds exactly the
// events its sessions counted plus its pending late events; otherwise (the store sink is behind,
// or more late events are on their way) it waits for the next round. Rebuilding is deterministic
// (session ids hash the visitor and the first event id), so a round repeated after a crash writes
// the same rows.
import type { DuckDBConnection } from '@duckdb/node-api'
import { Counter, Gauge } from 'prom-client'
import type { ClickEvent, EventType } from '../core/event.ts'
import { emptyEvent } from '../core/event.ts'
import type { SessionRow } from '../processor/session.ts'
import {
  CLEAR_STAGED_SESSIONS,
  INSERT_STAGED_SESSIONS,
  SESSION_STAGING_DDL,
  stageSessionRows,
} from '../processor/session-staging.ts'
import type { Database } from '../store/duckdb/database.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { type LateSessionOptions, sessionsOfVisitor } from './late-sessions.ts'

/** Settings: the processor's session rules and lateness, and the job's pace. */
export interface LateReconcilerOptions extends LateSessionOptions {
  readonly allowedLatenessMs: number
  /** Pause between rounds when the last one found nothing to do (ms). */
  readonly intervalMs: number
  /** Visitors per round (one transaction). */
  readonly maxVisitors: number
}

/** What one round did. */
export interface RoundResult {
  readonly visitors: number
  readonly lateEvents: number
  readonly sessionsDeleted: number
  readonly sessionsWritten: number
  /** Visitors put off to a later round, by reason. */
  readonly deferred: Readonly<Record<DeferReason, number>>
  /** Late events still waiting after this round. */
  readonly pending: number
}

type DeferReason = 'session_open' | 'late_event_not_stored' | 'events_incomplete'

/** The event columns the session rules read, in select order (see `toEvent`). */
const EVENT_SELECT = `e.visitor_id, e.event_id, e.event_type, epoch_ms(e.event_time), e.session_id, e.user_id,
  e.site, e.page_path, e.page_url, e.referrer, e.referrer_host, e.channel, e.utm_source, e.utm_medium,
  e.utm_campaign, e.utm_term, e.utm_content, e.country, e.region, e.city, e.device_type, e.browser,
  e.os, e.is_bot, CASE WHEN e.event_type = 'engagement' THEN e.props::VARCHAR END`

const STAGING = [
  'CREATE TEMP TABLE IF NOT EXISTS late_ranges (visitor_id VARCHAR, lo TIMESTAMP, hi TIMESTAMP)',
  'CREATE TEMP TABLE IF NOT EXISTS late_done (event_id VARCHAR, visitor_id VARCHAR)',
  // The rebuilt rows go through the processor's own staging of session rows.
  ...SESSION_STAGING_DDL,
]

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

function ts(ms: number): string {
  return `make_timestamp(${BigInt(Math.round(ms)) * 1000n})`
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v)
}

/** A stored event row (EVENT_SELECT) as the fields of an event the session rules read. */
function toEvent(r: readonly unknown[]): ClickEvent {
  const e = emptyEvent({
    event_id: String(r[1]),
    event_type: String(r[2]) as EventType,
    event_time: Number(r[3]),
    received_at: Number(r[3]),
    source_id: '',
  })
  e.visitor_id = str(r[0])
  e.session_id = str(r[4])
  e.user_id = str(r[5])
  e.site = str(r[6])
  e.page_path = str(r[7])
  e.page_url = str(r[8])
  e.referrer = str(r[9])
  e.referrer_host = str(r[10])
  e.channel = str(r[11])
  e.utm_source = str(r[12])
  e.utm_medium = str(r[13])
  e.utm_campaign = str(r[14])
  e.utm_term = str(r[15])
  e.utm_content = str(r[16])
  e.country = str(r[17])
  e.region = str(r[18])
  e.city = str(r[19])
  e.device_type = str(r[20])
  e.browser = str(r[21])
  e.os = str(r[22])
  e.is_bot = r[23] === true
  if (r[24] !== null && r[24] !== undefined) e.props = JSON.parse(String(r[24])) as ClickEvent['props']
  return e
}

/** The same order as the processor's: event time, then event id. */
function byTimeThenId(a: ClickEvent, b: ClickEvent): number {
  return a.event_time - b.event_time || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0)
}

interface Pending {
  readonly visitor: string
  readonly lo: number
  readonly hi: number
  readonly lateIds: Set<string>
}

/** The periodic job; `runOnce` is one round (tests call it directly). */
export class LateReconciler {
  readonly #db: Database
  readonly #o: LateReconcilerOptions
  readonly #logger: Logger
  readonly #reconciled: Counter
  readonly #sessions: Counter
  readonly #deferred: Counter<'reason'>
  readonly #pendingGauge: Gauge
  #conn: DuckDBConnection | null = null
  /**
   * Where the next round starts in the pending visitors' order (first late event's time, visitor
   * id), null at the start: rounds walk the whole list and then begin again, so visitors put off
   * round after round (their late event not stored yet) cannot hold back the ones after them.
   */
  #after: { readonly time: number; readonly visitor: string } | null = null
  #timer: NodeJS.Timeout | null = null
  #running: Promise<unknown> | null = null
  #stopped = false

  constructor(db: Database, options: LateReconcilerOptions, logger: Logger, metrics: Metrics) {
    this.#db = db
    this.#o = options
    this.#logger = logger
    const registers = [metrics.registry]
    this.#reconciled = new Counter({
      name: 'clickflow_late_reconciled_events_total',
      help: "Late events folded into the sessions table by rebuilding their visitors' sessions from stored events.",
      registers,
    })
    this.#sessions = new Counter({
      name: 'clickflow_late_reconciled_sessions_total',
      help: 'Session rows written by the late-event reconciliation, replacing the rows it deleted.',
      registers,
    })
    this.#deferred = new Counter({
      name: 'clickflow_late_reconcile_deferred_total',
      help: 'Visitors whose late events were put off to a later round, by reason.',
      labelNames: ['reason'],
      registers,
    })
    this.#pendingGauge = new Gauge({
      name: 'clickflow_late_events_pending',
      help: 'Late events not yet folded into the sessions table.',
      registers,
    })
  }

  /** Runs rounds until stopped: at once again while a round was full, else every `intervalMs`. */
  start(): void {
    const loop = (delay: number) => {
      if (this.#stopped) return
      this.#timer = setTimeout(() => {
        const round = this.runOnce()
        this.#running = round
        round
          .then((r) => loop(r.visitors >= this.#o.maxVisitors ? 0 : this.#o.intervalMs))
          .catch((err) => {
            this.#logger.error({ err }, 'late-event reconciliation failed; trying again later')
            loop(this.#o.intervalMs)
          })
      }, delay)
    }
    loop(this.#o.intervalMs)
  }

  /** Stops after the round in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    await this.#running?.catch(() => undefined)
    this.#conn?.closeSync()
    this.#conn = null
  }

  async #connection(): Promise<DuckDBConnection> {
    if (!this.#conn) {
      this.#conn = await this.#db.connect()
      for (const ddl of STAGING) await this.#conn.run(ddl)
    }
    return this.#conn
  }

  /** One round: up to `maxVisitors` visitors with pending late events, in one transaction. */
  async runOnce(): Promise<RoundResult> {
    const c = await this.#connection()
    const { gapMs, allowedLatenessMs, maxVisitors } = this.#o
    const deferred: Record<DeferReason, number> = {
      session_open: 0,
      late_event_not_stored: 0,
      events_incomplete: 0,
    }
    const empty = (pending: number): RoundResult => ({
      visitors: 0,
      lateEvents: 0,
      sessionsDeleted: 0,
      sessionsWritten: 0,
      deferred,
      pending,
    })
    const pendingWhere = `l.visitor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM clickflow_late_reconciled r WHERE r.event_id = l.event_id)`
    const countPending = async () =>
      Number(
        (await c.runAndReadAll(`SELECT count(*) FROM late_events l WHERE ${pendingWhere}`)).getRows()[0]![0],
      )
    // The latest watermark a late event met: the processor's watermark is at least this (it never
    // goes back), so a session that ended before it minus gap and lateness can change no more.
    const wRow = (await c.runAndReadAll('SELECT epoch_ms(max(watermark)) FROM late_events')).getRows()[0]
    if (!wRow || wRow[0] === null) {
      this.#pendingGauge.set(0)
      return empty(0)
    }
    const closedBefore = Number(wRow[0]) - gapMs - allowedLatenessMs
    const page = async (after: { readonly time: number; readonly visitor: string } | null) => {
      const from =
        after === null
          ? ''
          : `AND (epoch_ms(min(l.event_time)) > ${after.time} OR (epoch_ms(min(l.event_time)) = ${after.time} AND l.visitor_id > ${quote(after.visitor)}))`
      return (
        await c.runAndReadAll(
          `SELECT l.visitor_id, epoch_ms(min(l.event_time)), epoch_ms(max(l.event_time)), list(l.event_id)
           FROM late_events l WHERE ${pendingWhere}
           GROUP BY l.visitor_id
           HAVING epoch_ms(max(l.event_time)) <= ${closedBefore} ${from}
           ORDER BY min(l.event_time), l.visitor_id LIMIT ${maxVisitors}`,
        )
      ).getRows()
    }
    let rows = await page(this.#after)
    // Past the end of the list: start over at its beginning.
    if (rows.length === 0 && this.#after !== null) rows = await page(null)
    // A full page may have more behind it; a short one ends the walk, which starts over next round.
    const last = rows[rows.length - 1]
    this.#after =
      rows.length === maxVisitors && last ? { time: Number(last[1]), visitor: String(last[0]) } : null
    if (rows.length === 0) {
      const pending = await countPending()
      this.#pendingGauge.set(pending)
      return empty(pending)
    }
    const pending: Pending[] = rows.map((r) => ({
      visitor: String(r[0]),
      lo: Number(r[1]) - gapMs,
      hi: Number(r[2]) + gapMs,
      lateIds: new Set((r[3] as { items: unknown[] }).items.map(String)),
    }))
    await this.#stageRanges(c, pending)
    // Widen each range to the whole sessions it touches; a visitor whose sessions there are not all
    // closed waits.
    const touched = (
      await c.runAndReadAll(
        `SELECT x.visitor_id, epoch_ms(min(s.start_time)), epoch_ms(max(s.end_time)), coalesce(sum(s.events), 0)
         FROM late_ranges x LEFT JOIN sessions s
           ON s.visitor_id = x.visitor_id AND s.end_time >= x.lo AND s.start_time <= x.hi
         GROUP BY x.visitor_id`,
      )
    ).getRows()
    const counted = new Map<string, number>()
    const ranges = new Map(pending.map((p) => [p.visitor, p]))
    const widened: Pending[] = []
    for (const [v, minStart, maxEnd, events] of touched) {
      const p = ranges.get(String(v))!
      if (maxEnd !== null && Number(maxEnd) > closedBefore) {
        deferred.session_open++
        continue
      }
      counted.set(p.visitor, Number(events))
      widened.push({
        ...p,
        lo: minStart === null ? p.lo : Math.min(p.lo, Number(minStart)),
        hi: maxEnd === null ? p.hi : Math.max(p.hi, Number(maxEnd)),
      })
    }
    await this.#stageRanges(c, widened)
    const stored = (
      await c.runAndReadAll(
        `SELECT ${EVENT_SELECT} FROM events e JOIN late_ranges x
           ON e.visitor_id = x.visitor_id AND e.event_time BETWEEN x.lo AND x.hi
         WHERE NOT e.is_duplicate`,
      )
    ).getRows()
    const eventsOf = new Map<string, ClickEvent[]>()
    for (const r of stored) {
      const e = toEvent(r)
      let list = eventsOf.get(e.visitor_id!)
      if (!list) {
        list = []
        eventsOf.set(e.visitor_id!, list)
      }
      list.push(e)
    }
    const newRows: SessionRow[] = []
    const done: Pending[] = []
    let lateEvents = 0
    for (const p of widened) {
      const events = eventsOf.get(p.visitor) ?? []
      let lateStored = 0
      for (const e of events) if (p.lateIds.has(e.event_id)) lateStored++
      if (lateStored < p.lateIds.size) {
        deferred.late_event_not_stored++
        continue
      }
      // Every event there must be one the sessions counted or a pending late one: anything else
      // means the store and the processor are not at the same point yet.
      if (events.length !== counted.get(p.visitor)! + p.lateIds.size) {
        deferred.events_incomplete++
        continue
      }
      events.sort(byTimeThenId)
      for (const row of sessionsOfVisitor(p.visitor, events, this.#o)) newRows.push(row)
      done.push(p)
      lateEvents += p.lateIds.size
    }
    for (const [reason, n] of Object.entries(deferred)) if (n > 0) this.#deferred.inc({ reason }, n)
    if (done.length === 0) {
      const left = await countPending()
      this.#pendingGauge.set(left)
      return { ...empty(left), deferred }
    }
    const deleted = await this.#replace(c, done, newRows)
    const left = await countPending()
    this.#pendingGauge.set(left)
    this.#reconciled.inc(lateEvents)
    this.#sessions.inc(newRows.length)
    const result: RoundResult = {
      visitors: done.length,
      lateEvents,
      sessionsDeleted: deleted,
      sessionsWritten: newRows.length,
      deferred,
      pending: left,
    }
    this.#logger.info(result, 'late events folded into sessions')
    return result
  }

  async #stageRanges(c: DuckDBConnection, ranges: readonly Pending[]): Promise<void> {
    await c.run('DELETE FROM late_ranges')
    for (let i = 0; i < ranges.length; i += 500) {
      const values = ranges
        .slice(i, i + 500)
        .map((p) => `(${quote(p.visitor)}, ${ts(p.lo)}, ${ts(p.hi)})`)
        .join(', ')
      await c.run(`INSERT INTO late_ranges VALUES ${values}`)
    }
  }

  /** Replaces the visitors' sessions in the ranges and records their late events as folded in. */
  async #replace(
    c: DuckDBConnection,
    done: readonly Pending[],
    rows: readonly SessionRow[],
  ): Promise<number> {
    await this.#stageRanges(c, done)
    await c.run('DELETE FROM late_done')
    for (const sql of CLEAR_STAGED_SESSIONS) await c.run(sql)
    await stageSessionRows(
      c,
      rows,
      rows.map(() => false),
    )
    const ids = done.flatMap((p) => [...p.lateIds].map((id) => `(${quote(id)}, ${quote(p.visitor)})`))
    for (let i = 0; i < ids.length; i += 1000)
      await c.run(`INSERT INTO late_done VALUES ${ids.slice(i, i + 1000).join(', ')}`)
    await c.run('BEGIN TRANSACTION')
    try {
      const del = await c.runAndReadAll(
        `DELETE FROM sessions s USING late_ranges x
         WHERE s.visitor_id = x.visitor_id AND s.end_time >= x.lo AND s.start_time <= x.hi`,
      )
      await c.run(INSERT_STAGED_SESSIONS)
      await c.run(
        'INSERT INTO clickflow_late_reconciled SELECT event_id, visitor_id, now()::TIMESTAMP FROM late_done',
      )
      await c.run('COMMIT')
      for (const sql of CLEAR_STAGED_SESSIONS) await c.run(sql)
      return Number(del.getRows()[0]?.[0] ?? 0)
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined)
      throw err
    }
  }
}
