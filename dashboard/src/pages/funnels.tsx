// Funnels: build the steps from page patterns and event names, see visitors, conversion, drop-off
// and the median time between steps; save a funnel by name and load it again.
import { useEffect, useState } from 'preact/hooks'
import type {
  BreakdownResponse,
  FunnelRequest,
  FunnelResponse,
  FunnelStep,
  SavedFunnel,
} from '../../../src/analytics/contract.ts'
import { type ApiError, deletePath, getJson, postJson, queryString } from '../api.ts'
import { ErrorBox, Loading } from '../components/states.tsx'
import { duration, num, pct } from '../format.ts'
import { type AppState, rangeParams, update } from '../state.ts'
import { useApi } from '../use-api.ts'

/** `page:/product/*` or `event:add_to_cart` -> a funnel step. */
export function toStep(text: string): FunnelStep | null {
  const i = text.indexOf(':')
  const kind = text.slice(0, i)
  const value = text.slice(i + 1).trim()
  if (i < 0 || !value) return null
  if (kind === 'page') return { label: `Visited ${value}`, event_type: 'pageview', page: value }
  if (kind === 'event') return { label: value, event_name: value }
  return null
}

/** A saved or API step back to its editable text. */
function fromStep(step: FunnelStep): string {
  if (step.event_name) return `event:${step.event_name}`
  return `page:${step.page ?? '/*'}`
}

/** The funnel request for the state (the same body the test sends to /api/funnels). */
export function funnelRequest(s: AppState): FunnelRequest | null {
  const steps = s.steps.map(toStep)
  if (steps.length < 2 || steps.some((x) => x === null)) return null
  const range = rangeParams(s)
  return {
    steps: steps as FunnelStep[],
    window: s.window,
    ...(range.site ? { site: range.site } : {}),
    ...(range.period ? { period: range.period } : { from: range.from, to: range.to }),
    tz: s.tz,
    ...(s.filters.length ? { filters: s.filters } : {}),
  }
}

const WINDOWS: readonly [number, string][] = [
  [1800, '30 minutes'],
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
]

function Suggestions({ s }: { s: AppState }) {
  const q = (dimension: string) =>
    `/api/stats/breakdown${queryString({ ...rangeParams({ ...s, filters: [] }), dimension, limit: 50 })}`
  const pages = useApi(q('page'), (signal) => getJson<BreakdownResponse>(q('page'), signal))
  const events = useApi(q('event_name'), (signal) => getJson<BreakdownResponse>(q('event_name'), signal))
  return (
    <>
      <datalist id="funnel-pages">
        {(pages.data?.rows ?? []).map((r) => r.value && <option key={r.value} value={r.value} />)}
      </datalist>
      <datalist id="funnel-events">
        {(events.data?.rows ?? []).map((r) => r.value && <option key={r.value} value={r.value} />)}
      </datalist>
    </>
  )
}

function StepEditor({ s }: { s: AppState }) {
  const steps = s.steps.length ? s.steps : ['page:/*', 'event:']
  const set = (i: number, text: string) => update({ steps: steps.map((x, j) => (j === i ? text : x)) }, true)
  return (
    <ol class="steps">
      {steps.map((text, i) => {
        const colon = text.indexOf(':')
        const kind = colon < 0 ? 'page' : text.slice(0, colon)
        const value = colon < 0 ? text : text.slice(colon + 1)
        return (
          <li key={i} class="step-edit" data-step={i}>
            <span class="step-no">{i + 1}</span>
            <select
              aria-label={`Step ${i + 1} kind`}
              value={kind}
              onChange={(e) => set(i, `${e.currentTarget.value}:${value}`)}
            >
              <option value="page">Page view of</option>
              <option value="event">Event named</option>
            </select>
            <input
              aria-label={`Step ${i + 1} ${kind === 'page' ? 'page pattern' : 'event name'}`}
              list={kind === 'page' ? 'funnel-pages' : 'funnel-events'}
              placeholder={kind === 'page' ? '/product/* (glob)' : 'add_to_cart'}
              value={value}
              onInput={(e) => set(i, `${kind}:${e.currentTarget.value}`)}
            />
            <button
              type="button"
              class="icon"
              aria-label={`Remove step ${i + 1}`}
              disabled={steps.length <= 2}
              onClick={() => update({ steps: steps.filter((_, j) => j !== i) }, true)}
            >
              ×
            </button>
          </li>
        )
      })}
      <li>
        <button type="button" class="link" onClick={() => update({ steps: [...steps, 'event:'] }, true)}>
          + Add a step
        </button>
      </li>
    </ol>
  )
}

function Result({ data }: { data: FunnelResponse }) {
  const first = Math.max(1, data.steps[0]?.visitors ?? 0)
  return (
    <div class="funnel-result">
      {data.steps.map((st, i) => (
        <div class="funnel-step" key={st.label + String(i)} data-step={i} data-visitors={st.visitors}>
          <div class="funnel-label">
            <span class="step-no">{i + 1}</span> {st.label}
          </div>
          <div class="funnel-bar">
            <span style={{ width: `${(st.visitors / first) * 100}%` }} />
          </div>
          <div class="funnel-figures">
            <span class="funnel-visitors">
              <strong>{num(st.visitors)}</strong> visitors
            </span>
            <span>{pct(st.conversion)} of all</span>
            {i > 0 && (
              <>
                <span>
                  {pct(st.step_conversion)} from step {i}
                </span>
                <span class="drop">−{num(st.drop_off)} dropped</span>
                <span>
                  median {duration(st.median_seconds_from_previous)} after step {i}
                </span>
              </>
            )}
          </div>
        </div>
      ))}
    </div>
  )
}

function Saved({ reloadKey, onLoad }: { reloadKey: number; onLoad: (f: SavedFunnel) => void }) {
  const r = useApi(`saved-${reloadKey}`, (signal) =>
    getJson<readonly SavedFunnel[] | { funnels: readonly SavedFunnel[] }>('/api/funnels/saved', signal),
  )
  const [error, setError] = useState<ApiError | null>(null)
  const [gone, setGone] = useState<string[]>([])
  if (r.error) return <ErrorBox error={r.error} />
  if (!r.data) return <Loading />
  const list = (Array.isArray(r.data) ? r.data : (r.data as { funnels: SavedFunnel[] }).funnels).filter(
    (f) => !gone.includes(f.name),
  )
  return (
    <section class="card saved" data-panel="saved-funnels">
      <header>
        <h2>Saved funnels</h2>
      </header>
      {error && <ErrorBox error={error} />}
      {list.length === 0 ? (
        <p class="muted no-rows">None saved yet: build one and give it a name.</p>
      ) : (
        <ul class="saved-list">
          {list.map((f) => (
            <li key={f.name}>
              <button type="button" class="link" onClick={() => onLoad(f)}>
                {f.name}
              </button>{' '}
              <span class="muted">{f.steps.length} steps</span>
              <button
                type="button"
                class="icon"
                aria-label={`Delete ${f.name}`}
                onClick={() =>
                  deletePath(`/api/funnels/saved/${encodeURIComponent(f.name)}`).then(
                    () => setGone([...gone, f.name]),
                    setError,
                  )
                }
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {list.length > 0 && <p class="muted">Pick one to load its steps.</p>}
    </section>
  )
}

/** The Funnels page. */
export function Funnels({ s }: { s: AppState }) {
  const req = funnelRequest(s)
  const key = req ? JSON.stringify(req) : null
  const [runKey, setRunKey] = useState<string | null>(null)
  // A funnel loaded from the URL runs at once; edits run on "Show".
  useEffect(() => {
    if (key && runKey === null) setRunKey(key)
  }, [key])
  // A shown funnel follows the range, zone, site and filters at once.
  const rangeKey = JSON.stringify(rangeParams(s))
  useEffect(() => {
    if (key && runKey !== null) setRunKey(key)
  }, [rangeKey])
  const r = useApi(runKey, (signal) => postJson<FunnelResponse>('/api/funnels', JSON.parse(runKey!), signal))
  const [name, setName] = useState('')
  const [saveState, setSaveState] = useState<{ error?: ApiError; saved?: string }>({})
  const [reloadKey, setReloadKey] = useState(0)

  const save = () => {
    if (!req || !name.trim()) return
    const body: SavedFunnel = { name: name.trim(), steps: req.steps, window: req.window }
    postJson('/api/funnels/saved', body).then(
      () => {
        setSaveState({ saved: body.name })
        setReloadKey(reloadKey + 1)
      },
      (error: ApiError) => setSaveState({ error }),
    )
  }

  return (
    <div class="page funnels">
      <Suggestions s={s} />
      <div class="funnel-layout">
        <section class="card" data-panel="funnel-builder">
          <header>
            <h2>Steps</h2>
          </header>
          <form
            onSubmit={(e) => {
              e.preventDefault()
              if (key) setRunKey(key)
            }}
          >
            <StepEditor s={s} />
            <label class="field">
              <span>Completed within</span>
              <select
                value={String(s.window)}
                onChange={(e) => update({ window: Number(e.currentTarget.value) }, true)}
              >
                {WINDOWS.map(([sec, label]) => (
                  <option key={sec} value={String(sec)}>
                    {label}
                  </option>
                ))}
                {!WINDOWS.some(([sec]) => sec === s.window) && (
                  <option value={String(s.window)}>{duration(s.window)}</option>
                )}
              </select>
            </label>
            <div class="actions">
              <button type="submit" class="button primary" disabled={!req}>
                Show funnel
              </button>
              {!req && (
                <span class="muted">Give at least two steps, each with a page pattern or event name.</span>
              )}
            </div>
          </form>
          <div class="save-row">
            <input
              aria-label="Funnel name"
              placeholder="Name this funnel"
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <button type="button" class="button" disabled={!req || !name.trim()} onClick={save}>
              Save
            </button>
          </div>
          {saveState.error && <ErrorBox error={saveState.error} />}
          {saveState.saved && <p class="ok">Saved “{saveState.saved}”.</p>}
        </section>
        <Saved
          reloadKey={reloadKey}
          onLoad={(f) => {
            // A loaded funnel runs at once, like one from the address.
            const change = { steps: f.steps.map(fromStep), window: f.window ?? 86_400 }
            update(change)
            const loaded = funnelRequest({ ...s, ...change })
            setRunKey(loaded ? JSON.stringify(loaded) : null)
          }}
        />
      </div>
      <section class="card" data-panel="funnel-result" aria-busy={r.loading}>
        <header>
          <h2>Conversion</h2>
        </header>
        {runKey === null ? (
          <p class="muted no-rows">Build the steps and press “Show funnel”.</p>
        ) : r.error ? (
          <ErrorBox error={r.error} />
        ) : !r.data ? (
          <Loading />
        ) : (
          <Result data={r.data} />
        )}
      </section>
    </div>
  )
}
