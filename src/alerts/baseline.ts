// The baseline of change rules: the rule's metric over the same window one day or one week earlier,
// computed from the store (`events`, `dead_letters`) with the live view's definitions: whole seconds,
// duplicates never counted, bots only when the live sink includes them.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { LiveMetric } from '../live/live-state.ts'

/** What the baseline query needs to know. */
export interface BaselineOptions {
  readonly includeBots: boolean
  readonly conversionEvent: string | null
}

function ts(ms: number): string {
  return `make_timestamp(${Math.floor(ms) * 1000})`
}

/**
 * The metric over the `windowS` seconds ending with the second of `now - offsetMs`; null when the
 * store holds nothing there (no baseline: the rule is not evaluated).
 */
export async function storeMetric(
  conn: DuckDBConnection,
  metric: LiveMetric,
  windowS: number,
  now: number,
  offsetMs: number,
  o: BaselineOptions,
): Promise<number | null> {
  const endSec = Math.floor((now - offsetMs) / 1000)
  const from = ts((endSec - windowS + 1) * 1000)
  const to = ts((endSec + 1) * 1000)
  const where = `event_time >= ${from} AND event_time < ${to} AND NOT is_duplicate${o.includeBots ? '' : ' AND NOT is_bot'}`
  const conversion = o.conversionEvent === null ? 'NULL' : `'${o.conversionEvent.replaceAll("'", "''")}'`
  const one = async (sql: string): Promise<number> => {
    const r = await conn.runAndReadAll(sql)
    return Number(r.getRows()[0]?.[0] ?? 0)
  }
  const events = () => one(`SELECT count(*) FROM events WHERE ${where}`)
  const deadLetters = () =>
    one(`SELECT count(*) FROM dead_letters WHERE received_at >= ${from} AND received_at < ${to}`)
  switch (metric) {
    case 'visitors_now': {
      const v = await one(`SELECT count(DISTINCT visitor_id) FROM events WHERE ${where}`)
      return v === 0 ? null : v
    }
    case 'events_per_second': {
      const n = await events()
      return n === 0 ? null : n / windowS
    }
    case 'page_views_per_minute': {
      const n = await one(`SELECT count(*) FROM events WHERE ${where} AND event_type = 'pageview'`)
      return n === 0 ? null : n / (windowS / 60)
    }
    case 'conversion_rate': {
      const r = await conn.runAndReadAll(
        `SELECT count(DISTINCT visitor_id), count(DISTINCT visitor_id) FILTER (WHERE event_name = ${conversion})
         FROM events WHERE ${where}`,
      )
      const [visitors, converted] = (r.getRows()[0] ?? [0, 0]).map(Number)
      return !visitors ? null : (converted ?? 0) / visitors
    }
    case 'dead_letters_per_minute': {
      const n = await deadLetters()
      return n === 0 ? null : n / (windowS / 60)
    }
    case 'error_rate': {
      const [n, d] = [await events(), await deadLetters()]
      return n + d === 0 ? null : d / (n + d)
    }
  }
}
