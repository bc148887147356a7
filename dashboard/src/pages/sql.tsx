// The SQL console: an editor (Ctrl+Enter or Cmd+Enter runs), the result as a table and as a chart
// when it has a label or time column and numbers, and the result as a CSV download.
import { useRef, useState } from 'preact/hooks'
import { type ApiError, postJson } from '../api.ts'
import { Chart, type Series } from '../components/chart.tsx'
import { ErrorBox } from '../components/states.tsx'
import { toCsv } from '../csv.ts'
import { num } from '../format.ts'
import { type AppState, update } from '../state.ts'

/** The JSON answer of POST /api/sql (QueryResult in src/store/store.ts). */
interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  readonly rows: readonly (readonly unknown[])[]
  readonly truncated: boolean
  readonly elapsed_ms: number
}

const EXAMPLE = `SELECT date_trunc('day', event_time) AS day,
       count(DISTINCT visitor_id) AS visitors,
       count(*) FILTER (WHERE event_type = 'pageview') AS page_views
FROM events
WHERE event_time >= now()::TIMESTAMP - INTERVAL 30 DAY
GROUP BY 1 ORDER BY 1`

const SHOWN_ROWS = 500
const COLORS = ['#4f46e5', '#0891b2', '#16a34a', '#d97706', '#dc2626']
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/i

/** How the result can be drawn: x from the first column, y from the numeric ones; null when not. */
function chartOf(r: QueryResult): { x: number[]; categories?: string[]; series: Series[] } | null {
  if (r.rows.length < 2 || r.columns.length < 2) return null
  const ys = r.columns.flatMap((c, i) => (i > 0 && NUMERIC.test(c.type) ? [i] : []))
  if (ys.length === 0) return null
  const first = r.columns[0]!.type.toUpperCase()
  const isTime = first.startsWith('TIMESTAMP') || first === 'DATE'
  const rows = r.rows.slice(0, isTime ? 5000 : 30)
  const series = ys.slice(0, COLORS.length).map((i, k) => ({
    label: r.columns[i]!.name,
    color: COLORS[k]!,
    values: rows.map((row) => (row[i] === null ? null : Number(row[i]))),
  }))
  if (isTime) {
    const x = rows.map(
      (row) => Date.parse(String(row[0]).length === 10 ? `${row[0]}T00:00:00Z` : String(row[0])) / 1000,
    )
    // uPlot needs ascending x; a time column in another order is drawn as bars of labels instead.
    if (x.every((v, i) => i === 0 || v >= x[i - 1]!)) return { x, series }
  }
  return { x: rows.map((_, i) => i), categories: rows.map((row) => String(row[0] ?? '(null)')), series }
}

function download(r: QueryResult): void {
  const blob = new Blob(
    [
      toCsv(
        r.columns.map((c) => c.name),
        r.rows,
      ),
    ],
    { type: 'text/csv;charset=utf-8' },
  )
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = 'clickflow-query.csv'
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** The SQL console page. */
export function Sql({ s }: { s: AppState }) {
  const [text, setText] = useState(s.q || EXAMPLE)
  const [result, setResult] = useState<QueryResult | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [running, setRunning] = useState(false)
  const [view, setView] = useState<'table' | 'chart'>('table')
  const inflight = useRef<AbortController | null>(null)

  const run = () => {
    inflight.current?.abort()
    const ac = new AbortController()
    inflight.current = ac
    setRunning(true)
    update({ q: text }, true)
    postJson<QueryResult>('/api/sql', { sql: text }, ac.signal).then(
      (r) => {
        setResult(r)
        setError(null)
        setRunning(false)
      },
      (err: ApiError) => {
        if (ac.signal.aborted) return
        setError(err)
        setResult(null)
        setRunning(false)
      },
    )
  }
  const chart = result ? chartOf(result) : null

  return (
    <div class="page sql">
      <section class="card" data-panel="sql-editor">
        <header>
          <h2>SQL</h2>
          <span class="muted">
            Read-only DuckDB over <code>events</code>, <code>sessions</code>, <code>dead_letters</code>.{' '}
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs.
          </span>
        </header>
        <textarea
          class="editor"
          aria-label="SQL query"
          spellcheck={false}
          wrap="off"
          rows={8}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault()
              run()
            }
          }}
        />
        <div class="actions">
          <button type="button" class="button primary" onClick={run} disabled={running}>
            {running ? 'Running…' : 'Run'}
          </button>
          {result && (
            <>
              <span class="muted result-meta">
                {num(result.rows.length)} rows{result.truncated ? ' (cut at the row limit)' : ''} in{' '}
                {num(result.elapsed_ms)} ms
              </span>
              <button type="button" class="button" onClick={() => download(result)}>
                Download CSV
              </button>
            </>
          )}
        </div>
      </section>
      {error && <ErrorBox error={error} />}
      {result && (
        <section class="card" data-panel="sql-result">
          <header>
            <h2>Result</h2>
            <div class="tabs" role="tablist">
              <button
                type="button"
                role="tab"
                aria-selected={view === 'table'}
                onClick={() => setView('table')}
              >
                Table
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={view === 'chart'}
                disabled={!chart}
                onClick={() => setView('chart')}
              >
                Chart
              </button>
            </div>
          </header>
          {view === 'chart' && chart ? (
            <Chart
              label="Query result chart"
              tz={s.tz}
              x={chart.x}
              categories={chart.categories}
              series={chart.series}
            />
          ) : result.rows.length === 0 ? (
            <p class="muted no-rows">The query returned no rows.</p>
          ) : (
            <div class="scroll-x">
              <table class="grid result">
                <thead>
                  <tr>
                    {result.columns.map((c) => (
                      <th key={c.name} title={c.type}>
                        {c.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {result.rows.slice(0, SHOWN_ROWS).map((row, i) => (
                    <tr key={i}>
                      {row.map((v, j) => (
                        <td key={j} class={typeof v === 'number' ? 'num' : undefined}>
                          {show(v)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
              {result.rows.length > SHOWN_ROWS && (
                <p class="muted">
                  Showing the first {SHOWN_ROWS}; the CSV has all {num(result.rows.length)}.
                </p>
              )}
            </div>
          )}
        </section>
      )}
    </div>
  )
}
