// The dashboard's whole state lives in the URL's query string, so a view can be shared and reloaded:
// the page, the range, the time zone, the site, the filters and each page's own choices.
import { useEffect, useState } from 'preact/hooks'
import type { Dimension, Filter } from '../../src/analytics/contract.ts'

/** The pages, in navigation order. */
export const VIEWS = ['realtime', 'overview', 'breakdowns', 'funnels', 'retention', 'alerts', 'sql'] as const
export type View = (typeof VIEWS)[number]

/** Preset ranges the API knows by name; `custom` uses from/to. */
export const PERIODS = ['today', '24h', '7d', '30d', '90d', 'custom'] as const
export type Period = (typeof PERIODS)[number]

export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const
export type Interval = (typeof INTERVALS)[number]

/** Everything the URL holds. */
export interface AppState {
  readonly view: View
  readonly period: Period
  /** YYYY-MM-DD, with period=custom; `to` inclusive in the UI (sent as the next day). */
  readonly from: string
  readonly to: string
  readonly tz: string
  readonly site: string
  readonly filters: readonly Filter[]
  readonly interval: Interval | ''
  readonly goal: string
  /** Breakdowns page: the dimension shown. */
  readonly dim: string
  /** SQL console: the query text. */
  readonly q: string
  /** Funnels page: steps as `page:<glob>` or `event:<name>`. */
  readonly steps: readonly string[]
  /** Funnels page: conversion window in seconds. */
  readonly window: number
}

/** The browser's own time zone (the default). */
export const BROWSER_TZ = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

const OPS = ['==', '!=', '=~', '!~'] as const

/** `country==DE` -> a filter; null when malformed. Values after the operator are ORed with `|`. */
export function parseFilter(text: string): Filter | null {
  const m = /^([a-z_]+|prop:[^=!~]+)(==|!=|=~|!~)(.*)$/s.exec(text)
  if (!m || !OPS.includes(m[2] as (typeof OPS)[number])) return null
  return { dimension: m[1] as Dimension, op: m[2] as Filter['op'], value: m[3]!.split('|') }
}

/** The URL form of one filter. */
export function formatFilter(f: Filter): string {
  return `${f.dimension}${f.op}${f.value.join('|')}`
}

function oneOf<T extends string>(list: readonly T[], v: string | null, fallback: T): T {
  return list.includes(v as T) ? (v as T) : fallback
}

/** Reads the state from a query string. */
export function parseState(search: string): AppState {
  const p = new URLSearchParams(search)
  return {
    view: oneOf(VIEWS, p.get('view'), 'overview'),
    period: oneOf(PERIODS, p.get('period'), '7d'),
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    tz: p.get('tz') || BROWSER_TZ,
    site: p.get('site') ?? '',
    filters: p.getAll('f').flatMap((t) => parseFilter(t) ?? []),
    interval: oneOf<Interval | ''>(INTERVALS, p.get('interval'), ''),
    goal: p.get('goal') ?? '',
    dim: p.get('dim') ?? 'page',
    q: p.get('q') ?? '',
    steps: p.getAll('step'),
    window: Number(p.get('window')) > 0 ? Number(p.get('window')) : 86_400,
  }
}

/** Writes the state as a query string, leaving defaults out so URLs stay short. */
export function formatState(s: AppState): string {
  const p = new URLSearchParams()
  p.set('view', s.view)
  if (s.period !== '7d') p.set('period', s.period)
  if (s.period === 'custom') {
    p.set('from', s.from)
    p.set('to', s.to)
  }
  if (s.tz !== BROWSER_TZ) p.set('tz', s.tz)
  if (s.site) p.set('site', s.site)
  for (const f of s.filters) p.append('f', formatFilter(f))
  if (s.interval) p.set('interval', s.interval)
  if (s.goal) p.set('goal', s.goal)
  if (s.view === 'breakdowns' && s.dim !== 'page') p.set('dim', s.dim)
  if (s.view === 'sql' && s.q) p.set('q', s.q)
  if (s.view === 'funnels') {
    for (const step of s.steps) p.append('step', step)
    if (s.window !== 86_400) p.set('window', String(s.window))
  }
  return `?${p.toString()}`
}

const subscribers = new Set<(s: AppState) => void>()
let current = parseState(location.search)

window.addEventListener('popstate', () => {
  current = parseState(location.search)
  for (const s of subscribers) s(current)
})

/** The state now. */
export function getState(): AppState {
  return current
}

/**
 * Changes the state and the URL. `replace` keeps the history entry (typing in a box); otherwise
 * the back button returns to the previous view.
 */
export function update(change: Partial<AppState>, replace = false): void {
  current = { ...current, ...change }
  const url = formatState(current)
  if (url !== location.search) history[replace ? 'replaceState' : 'pushState'](null, '', url)
  for (const s of subscribers) s(current)
}

/** The state as a hook: re-renders on every change. */
export function useAppState(): AppState {
  const [s, set] = useState(current)
  useEffect(() => {
    subscribers.add(set)
    set(current)
    return () => {
      subscribers.delete(set)
    }
  }, [])
  return s
}

/** Adds a filter (replacing one on the same dimension and operator). */
export function addFilter(f: Filter): void {
  const rest = current.filters.filter((x) => !(x.dimension === f.dimension && x.op === f.op))
  update({ filters: [...rest, f] })
}

/** Removes the filter at `index`. */
export function removeFilter(index: number): void {
  update({ filters: current.filters.filter((_, i) => i !== index) })
}

/** Adds one day to YYYY-MM-DD (the API's `to` is exclusive; the picker's is inclusive). */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

/** The common query parameters of the stats endpoints for a state. */
export function rangeParams(s: AppState): Record<string, string | undefined> {
  const custom = s.period === 'custom' && s.from && s.to
  return {
    site: s.site || undefined,
    ...(custom ? { from: s.from, to: nextDay(s.to) } : { period: s.period === 'custom' ? '7d' : s.period }),
    tz: s.tz,
    filters: s.filters.length ? JSON.stringify(s.filters) : undefined,
  }
}
