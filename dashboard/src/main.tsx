// The dashboard's entry: the shell (navigation, range bar, filter chips) around the current page,
// and the sign-in form whenever the server asks for the admin token.
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import 'uplot/dist/uPlot.min.css'
import './styles.css'
import { getToken, onUnauthorized, setToken } from './api.ts'
import { FilterBar } from './components/filter-bar.tsx'
import { RangeBar } from './components/range-bar.tsx'
import { SignIn } from './components/sign-in.tsx'
import { Alerts } from './pages/alerts.tsx'
import { Breakdowns } from './pages/breakdowns.tsx'
import { Funnels } from './pages/funnels.tsx'
import { Overview } from './pages/overview.tsx'
import { Realtime } from './pages/realtime.tsx'
import { Retention } from './pages/retention.tsx'
import { Sql } from './pages/sql.tsx'
import { type AppState, update, useAppState, VIEWS, type View } from './state.ts'

const TITLES: Record<View, string> = {
  realtime: 'Realtime',
  overview: 'Overview',
  breakdowns: 'Breakdowns',
  funnels: 'Funnels',
  retention: 'Retention',
  alerts: 'Alerts',
  sql: 'SQL',
}

/** Pages that read the range and filters (the others are live or free-form). */
const HISTORICAL: ReadonlySet<View> = new Set(['overview', 'breakdowns', 'funnels', 'retention'])

function Page({ s }: { s: AppState }) {
  switch (s.view) {
    case 'realtime':
      return <Realtime s={s} />
    case 'overview':
      return <Overview s={s} />
    case 'breakdowns':
      return <Breakdowns s={s} />
    case 'funnels':
      return <Funnels s={s} />
    case 'retention':
      return <Retention s={s} />
    case 'alerts':
      return <Alerts s={s} />
    case 'sql':
      return <Sql s={s} />
  }
}

function App() {
  const s = useAppState()
  const [needToken, setNeedToken] = useState(false)
  // Remounting the page after sign-in reloads everything with the token.
  const [session, setSession] = useState(0)
  useEffect(() => onUnauthorized(() => setNeedToken(true)), [])
  useEffect(() => {
    document.title = `${TITLES[s.view]} · clickflow`
  }, [s.view])

  if (needToken)
    return (
      <SignIn
        refused
        onSignedIn={() => {
          setNeedToken(false)
          setSession(session + 1)
        }}
      />
    )
  return (
    <div class="app">
      <header class="top">
        <a
          class="brand"
          href="?view=overview"
          onClick={(e) => {
            e.preventDefault()
            update({ view: 'overview' })
          }}
        >
          clickflow
        </a>
        <nav class="nav" aria-label="Pages">
          {VIEWS.map((v) => (
            <a
              key={v}
              href={`?view=${v}`}
              aria-current={s.view === v ? 'page' : undefined}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey) return
                e.preventDefault()
                update({ view: v })
              }}
            >
              {TITLES[v]}
            </a>
          ))}
        </nav>
        {getToken() && (
          <button
            type="button"
            class="link sign-out"
            onClick={() => {
              setToken(null)
              location.reload()
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main key={session}>
        {HISTORICAL.has(s.view) && (
          <div class="toolbar">
            <RangeBar s={s} />
            <FilterBar filters={s.filters} />
          </div>
        )}
        <Page s={s} />
      </main>
    </div>
  )
}

render(<App />, document.getElementById('app')!)
