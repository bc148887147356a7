// Alert state and history in DuckDB (tables `alert_state` and `alert_history`, src/store/duckdb/schema.ts),
// so a restart keeps a firing alert firing, does not fire it again, and delivers pending webhooks.
// Statements are run from their text, one at a time on this store's own connection.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { RuleState } from './rule-state.ts'

/** One firing or recovery as stored. */
export interface HistoryEntry {
  readonly id: string
  readonly ruleId: string
  readonly kind: 'firing' | 'recovery'
  readonly at: number
  readonly value: number
  readonly threshold: number
  readonly baseline: number | null
  readonly webhookUrl: string | null
  webhookStatus: 'delivered' | 'failed' | 'pending' | 'none'
  webhookAttempts: number
  webhookError: string | null
  readonly payload: unknown
}

function q(s: string | null): string {
  return s === null ? 'NULL' : `'${s.replaceAll("'", "''")}'`
}
function ts(ms: number | null): string {
  return ms === null ? 'NULL' : `make_timestamp(${Math.round(ms) * 1000})`
}
function num(n: number | null): string {
  return n === null || !Number.isFinite(n) ? 'NULL' : String(n)
}
function optNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v)
}

/** Reads and writes the alert tables. */
export class AlertStore {
  readonly #conn: DuckDBConnection
  #queue: Promise<unknown> = Promise.resolve()

  constructor(conn: DuckDBConnection) {
    this.#conn = conn
  }

  #run<T>(f: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(f)
    this.#queue = p.catch(() => undefined)
    return p
  }

  /** The stored state of every rule. */
  loadStates(): Promise<Map<string, RuleState>> {
    return this.#run(async () => {
      const r = await this.#conn.runAndReadAll(
        `SELECT rule_id, state, epoch_ms(since), epoch_ms(pending_since), epoch_ms(last_fired_at), last_value
         FROM alert_state`,
      )
      const out = new Map<string, RuleState>()
      for (const row of r.getRows()) {
        out.set(String(row[0]), {
          state: row[1] === 'firing' ? 'firing' : 'ok',
          since: optNumber(row[2]),
          pendingSince: optNumber(row[3]),
          lastFiredAt: optNumber(row[4]),
          lastValue: optNumber(row[5]),
        })
      }
      return out
    })
  }

  /** Replaces the stored state of a rule. */
  saveState(ruleId: string, s: RuleState, now: number): Promise<void> {
    return this.#run(async () => {
      await this.#conn.run(
        `INSERT OR REPLACE INTO alert_state VALUES (${q(ruleId)}, ${q(s.state)}, ${ts(s.since)},
           ${ts(s.pendingSince)}, ${ts(s.lastFiredAt)}, ${num(s.lastValue)}, ${ts(now)})`,
      )
    })
  }

  /** Stores a new firing or recovery. */
  addHistory(e: HistoryEntry): Promise<void> {
    return this.#run(async () => {
      await this.#conn.run(
        `INSERT INTO alert_history VALUES (${q(e.id)}, ${q(e.ruleId)}, ${q(e.kind)}, ${ts(e.at)}, ${num(e.value)},
           ${num(e.threshold)}, ${num(e.baseline)}, ${q(e.webhookUrl)}, ${q(e.webhookStatus)}, ${e.webhookAttempts},
           ${q(e.webhookError)}, ${q(JSON.stringify(e.payload))})`,
      )
    })
  }

  /** Records how a webhook delivery went. */
  updateDelivery(e: HistoryEntry): Promise<void> {
    return this.#run(async () => {
      await this.#conn.run(
        `UPDATE alert_history SET webhook_status = ${q(e.webhookStatus)}, webhook_attempts = ${e.webhookAttempts},
           webhook_error = ${q(e.webhookError)} WHERE id = ${q(e.id)}`,
      )
    })
  }

  /** The newest `limit` entries, newest first, and every entry whose delivery is still pending. */
  loadHistory(limit: number): Promise<{ recent: HistoryEntry[]; pending: HistoryEntry[] }> {
    return this.#run(async () => {
      const cols = `id, rule_id, kind, epoch_ms(occurred_at), value, threshold, baseline, webhook_url, webhook_status,
                    webhook_attempts, webhook_error, CAST(payload AS VARCHAR)`
      const toEntry = (r: unknown[]): HistoryEntry => ({
        id: String(r[0]),
        ruleId: String(r[1]),
        kind: r[2] === 'recovery' ? 'recovery' : 'firing',
        at: Number(r[3]),
        value: Number(r[4]),
        threshold: Number(r[5]),
        baseline: optNumber(r[6]),
        webhookUrl: r[7] === null ? null : String(r[7]),
        webhookStatus: String(r[8]) as HistoryEntry['webhookStatus'],
        webhookAttempts: Number(r[9]),
        webhookError: r[10] === null ? null : String(r[10]),
        payload: JSON.parse(String(r[11])),
      })
      const recent = await this.#conn.runAndReadAll(
        `SELECT ${cols} FROM alert_history ORDER BY occurred_at DESC, id DESC LIMIT ${Math.floor(limit)}`,
      )
      const pending = await this.#conn.runAndReadAll(
        `SELECT ${cols} FROM alert_history WHERE webhook_status = 'pending' ORDER BY occurred_at, id`,
      )
      return { recent: recent.getRows().map(toEntry), pending: pending.getRows().map(toEntry) }
    })
  }

  /** Waits for the writes queued so far. */
  async flush(): Promise<void> {
    await this.#queue
  }
}
