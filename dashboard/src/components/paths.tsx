// Paths: where visitors went after a page (or came from before it) in the same session, with the
// session's end (or start) as its own row. The page comes from a page filter when there is one.
import { useState } from 'preact/hooks'
import type { PathsResponse } from '../../../src/analytics/contract.ts'
import { getJson, queryString } from '../api.ts'
import { num } from '../format.ts'
import { type AppState, rangeParams } from '../state.ts'
import { useApi } from '../use-api.ts'
import { ErrorBox, Loading, NoRows } from './states.tsx'

/** The paths card of the Breakdowns page; `fallback` is the page shown when no filter names one. */
export function Paths({ s, fallback }: { s: AppState; fallback: string | null }) {
  const filtered = s.filters.find((f) => f.dimension === 'page' && f.op === '==')?.value[0]
  const [typed, setTyped] = useState<string | null>(null)
  const [direction, setDirection] = useState<'next' | 'previous'>('next')
  const page = typed ?? filtered ?? fallback
  // The page itself is the subject here, not a filter on the sessions.
  const others = { ...s, filters: s.filters.filter((f) => f.dimension !== 'page') }
  const path = page
    ? `/api/stats/paths${queryString({ ...rangeParams(others), page, direction, limit: 10 })}`
    : null
  const r = useApi(path, (signal) => getJson<PathsResponse>(path!, signal))
  return (
    <section class="card" data-panel="paths" aria-busy={r.loading}>
      <header>
        <h2>Paths</h2>
        <div class="tabs" role="tablist">
          {(['next', 'previous'] as const).map((d) => (
            <button
              type="button"
              role="tab"
              key={d}
              aria-selected={direction === d}
              onClick={() => setDirection(d)}
            >
              {d === 'next' ? 'Next page' : 'Previous page'}
            </button>
          ))}
        </div>
      </header>
      <label class="field block">
        <span>{direction === 'next' ? 'After' : 'Before'} the page</span>
        <input
          aria-label="Paths page"
          list="funnel-pages"
          value={page ?? ''}
          placeholder="/pricing"
          onChange={(e) => setTyped(e.currentTarget.value.trim() || null)}
        />
      </label>
      {!page ? (
        <NoRows text="Name a page to see where its visitors went." />
      ) : r.error ? (
        <ErrorBox error={r.error} />
      ) : !r.data ? (
        <Loading />
      ) : r.data.rows.length === 0 ? (
        <NoRows text="Nobody saw this page in this range." />
      ) : (
        <table class="breakdown">
          <thead>
            <tr>
              <th>{direction === 'next' ? 'Then' : 'Before'}</th>
              <th class="num">Visitors</th>
              <th class="num">Times</th>
            </tr>
          </thead>
          <tbody>
            {r.data.rows.map((row) => (
              <tr key={row.page ?? '\u0000end'} class="row" data-value={row.page ?? ''}>
                <td class="label">
                  <span class="text">
                    {row.page ?? (direction === 'next' ? '(left the site)' : '(entered here)')}
                  </span>
                </td>
                <td class="num" data-col="visitors" data-raw={row.visitors}>
                  {num(row.visitors)}
                </td>
                <td class="num" data-col="transitions" data-raw={row.transitions}>
                  {num(row.transitions)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
