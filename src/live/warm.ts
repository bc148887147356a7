// Warm-up from the store: on start the live state loads the last hour from the `events` and
// `dead_letters` tables, so a restart does not blank the charts. Per-second totals and per-minute
// visitor counts come as aggregates; only the last minutes (the distinct-visitor windows) come as
// rows, newest first and capped.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { EventType } from '../core/event.ts'
import { CHART_MINUTES, FUTURE_S, type LiveState, MAX_WINDOW_S } from './live-state.ts'

/** What the warm-up loaded. */
export interface WarmResult {
  readonly events: number
  readonly rawEvents: number
  /** True when the raw window held more events than `maxRawEvents` (the oldest were left out). */
  readonly truncated: boolean
}

/** Ids of the newest warmed events kept to skip the pipeline's redelivery after a crash. */
const SKIP_IDS = 10_000

function ts(ms: number): string {
  return `make_timestamp(${Math.floor(ms) * 1000})`
}

/** Loads the last hour into `state` as of clock time `now`. */
export async function warmFromStore(
  conn: DuckDBConnection,
  state: LiveState,
  now: number,
  options: { includeBots: boolean; maxRawEvents: number },
): Promise<WarmResult> {
  const nowSec = Math.floor(now / 1000)
  const chartStartMs = (Math.floor(nowSec / 60) - CHART_MINUTES + 1) * 60_000
  const endMs = (nowSec + FUTURE_S + 1) * 1000
  // Raw rows from the start of the minute that holds the oldest second the visitor maps remember.
  const rawStartMs = Math.floor((nowSec - state.visitorRetentionS + 1) / 60) * 60_000
  const filter = `NOT is_duplicate${options.includeBots ? '' : ' AND NOT is_bot'}`
  // Queries are run from their text (no statement kept prepared across the sink's commits).
  const sec = `least(CAST(floor(epoch_ms(event_time) / 1000) AS BIGINT), ${nowSec})`

  let events = 0
  const perSecond = new Map<number, [number, number, number]>()
  const seconds = await conn.runAndReadAll(
    `SELECT ${sec} AS sec, count(*), count(*) FILTER (WHERE event_type = 'pageview')
     FROM events WHERE event_time >= ${ts(chartStartMs)} AND event_time < ${ts(endMs)} AND ${filter}
     GROUP BY 1`,
  )
  for (const [s, n, pv] of seconds.getRows()) {
    perSecond.set(Number(s), [Number(n), Number(pv), 0])
    events += Number(n)
  }
  const dead = await conn.runAndReadAll(
    `SELECT least(CAST(floor(epoch_ms(received_at) / 1000) AS BIGINT), ${nowSec}) AS sec, count(*)
     FROM dead_letters WHERE received_at >= ${ts((nowSec - MAX_WINDOW_S + 1) * 1000)} AND received_at < ${ts(endMs)}
     GROUP BY 1`,
  )
  for (const [s, n] of dead.getRows()) {
    const row = perSecond.get(Number(s)) ?? [0, 0, 0]
    row[2] = Number(n)
    perSecond.set(Number(s), row)
  }
  for (const [s, [n, pv, dl]] of perSecond) state.warmSecond(s, n, pv, dl)

  if (rawStartMs > chartStartMs) {
    const minutes = await conn.runAndReadAll(
      `SELECT CAST(floor(epoch_ms(event_time) / 60000) AS BIGINT), count(DISTINCT visitor_id)
       FROM events WHERE event_time >= ${ts(chartStartMs)} AND event_time < ${ts(rawStartMs)} AND ${filter}
       GROUP BY 1`,
    )
    for (const [m, v] of minutes.getRows()) state.warmMinuteVisitors(Number(m), Number(v))
  }

  const limit = options.maxRawEvents
  const raw = await conn.runAndReadAll(
    `SELECT event_id, event_type, event_name, epoch_ms(event_time), visitor_id, page_path, referrer_host,
            channel, country,
            CASE WHEN event_type = 'engagement' THEN TRY_CAST(json_extract_string(props, '$.engaged_ms') AS DOUBLE) END
     FROM events WHERE event_time >= ${ts(rawStartMs)} AND event_time < ${ts(endMs)} AND ${filter}
     ORDER BY event_time DESC LIMIT ${limit + 1}`,
  )
  const rows = raw.getRows()
  const truncated = rows.length > limit
  const skip = new Set<string>()
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
  for (let i = 0; i < Math.min(rows.length, limit); i++) {
    const r = rows[i]!
    const engaged = r[9] === null ? null : Number(r[9])
    const id = String(r[0])
    if (skip.size < SKIP_IDS) skip.add(id)
    state.warmEvent(
      {
        event_id: id,
        event_type: String(r[1]) as EventType,
        event_name: str(r[2]),
        event_time: Number(r[3]),
        visitor_id: str(r[4]),
        page_path: str(r[5]),
        referrer_host: str(r[6]),
        channel: str(r[7]),
        country: str(r[8]),
        props: engaged === null ? null : { engaged_ms: engaged },
      },
      now,
    )
  }
  state.skipWarmedIds(skip)
  return { events, rawEvents: Math.min(rows.length, limit), truncated }
}
