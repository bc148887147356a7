// Validation of funnel steps, goals, retention's returning event and saved funnels: the parts of
// request bodies that describe "which events", with a 400 naming the field at fault.

import { RequestError } from '../core/errors.ts'
import { EVENT_TYPES } from '../core/event.ts'
import type { FunnelStep, SavedFunnel } from './contract.ts'
import { checkText } from './query.ts'

/** Most steps a funnel may have. */
export const MAX_STEPS = 10
/** Default and longest conversion window, seconds. */
export const DEFAULT_WINDOW_S = 86_400
export const MAX_WINDOW_S = 366 * 86_400

function bad(message: string): RequestError {
  return new RequestError(400, 'invalid_funnel', message)
}

/** Checks one step (`where` names it in messages). */
export function parseStep(raw: unknown, where: string): FunnelStep {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad(`${where} must be an object like {"event_name": "purchase"} or {"page": "/product/*"}`)
  const o = raw as Record<string, unknown>
  const known = new Set(['label', 'event_type', 'event_name', 'page', 'props'])
  const unknown = Object.keys(o).filter((k) => !known.has(k))
  if (unknown.length > 0)
    throw bad(`${where} has unknown field ${unknown[0]}; use event_type, event_name, page, props, label`)
  const step: { -readonly [K in keyof FunnelStep]: FunnelStep[K] } = {}
  for (const k of ['label', 'event_type', 'event_name', 'page'] as const) {
    const v = o[k]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string' || v === '') throw bad(`${where}.${k} must be a non-empty string`)
    checkText(`${where}.${k}`, v)
    step[k] = v
  }
  if (step.event_type !== undefined && !(EVENT_TYPES as readonly string[]).includes(step.event_type))
    throw bad(`${where}.event_type must be one of ${EVENT_TYPES.join(', ')}, not "${step.event_type}"`)
  if (o.props !== undefined && o.props !== null) {
    if (typeof o.props !== 'object' || Array.isArray(o.props))
      throw bad(`${where}.props must be an object of key -> value`)
    const props: Record<string, string> = {}
    for (const [k, v] of Object.entries(o.props)) {
      if (k === '' || /["\\\u0000-\u001f]/.test(k))
        throw bad(
          `${where}.props key "${k}" must be non-empty, without quotes, backslashes or control characters`,
        )
      if (typeof v !== 'string') throw bad(`${where}.props.${k} must be a string (values compare as text)`)
      checkText(`${where}.props.${k}`, v)
      props[k] = v
    }
    if (Object.keys(props).length > 0) step.props = props
  }
  if (
    step.event_type === undefined &&
    step.event_name === undefined &&
    step.page === undefined &&
    !step.props
  )
    throw bad(`${where} needs at least one of event_type, event_name, page, props`)
  return step
}

/** A step's label: its own, else what it matches. */
export function stepLabel(step: FunnelStep): string {
  if (step.label) return step.label
  const parts = [step.event_name ?? step.event_type, step.page].filter(Boolean)
  for (const [k, v] of Object.entries(step.props ?? {})) parts.push(`${k}=${v}`)
  return parts.join(' ')
}

/** Checks the steps of a funnel. */
export function parseSteps(raw: unknown): FunnelStep[] {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_STEPS)
    throw bad(`steps must be an array of 1 to ${MAX_STEPS} steps`)
  return raw.map((s, i) => parseStep(s, `steps[${i}]`))
}

/** Checks a conversion window in seconds. */
export function parseWindow(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_WINDOW_S
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_WINDOW_S)
    throw bad(`window must be a whole number of seconds from 1 to ${MAX_WINDOW_S}`)
  return raw
}

/**
 * A goal from `goal=`: a page glob when it starts with `/`, else an event name, or a JSON step.
 */
export function parseGoal(raw: string | undefined): FunnelStep | null {
  if (raw === undefined) return null
  if (raw.startsWith('{')) {
    let v: unknown
    try {
      v = JSON.parse(raw)
    } catch {
      throw bad('goal looks like JSON but does not parse')
    }
    return parseStep(v, 'goal')
  }
  return raw.startsWith('/') ? { page: raw } : { event_name: raw }
}

/** Checks a funnel to save. */
export function parseSavedFunnel(raw: unknown): SavedFunnel {
  if (typeof raw !== 'object' || raw === null)
    throw bad('send {"name": "...", "steps": [...], "window"?: seconds}')
  const o = raw as Record<string, unknown>
  if (
    typeof o.name !== 'string' ||
    o.name.trim() === '' ||
    o.name.length > 200 ||
    /[\u0000-\u001f/]/.test(o.name)
  )
    throw bad('name must be 1 to 200 characters, without "/" or control characters')
  const steps = parseSteps(o.steps)
  return o.window === undefined
    ? { name: o.name, steps }
    : { name: o.name, steps, window: parseWindow(o.window) }
}
