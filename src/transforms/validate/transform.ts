// The validate transform: the data-quality gate every source's events pass before storage.
// Bad events become dead letters with a reason; nothing is silently dropped.
import type { Transform } from '../../core/component.ts'
import { type ClickEvent, EVENT_TYPES } from '../../core/event.ts'
import { deadLetter, drop, pass, type StepResult } from '../../core/step-result.ts'
import type { ValidateConfig } from './config.ts'

const TYPES = new Set<string>(EVENT_TYPES)

/**
 * An upper bound of `JSON.stringify(value).length` computed without building the string: each
 * character of a string or key counts as 6 (the longest escape, \uXXXX), a number as 24 (the
 * longest a double prints). Values JSON does not take as plain data (Dates and other objects with a
 * prototype of their own, which may have toJSON) make it Infinity, so the caller measures exactly.
 */
export function jsonSizeBound(value: unknown, depth = 0): number {
  if (value === null || value === undefined) return 4
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length
    case 'number':
      return 24
    case 'boolean':
      return 5
    case 'object': {
      if (depth > 64) return Number.POSITIVE_INFINITY
      let n = 2
      if (Array.isArray(value)) {
        for (const v of value) n += jsonSizeBound(v, depth + 1) + 1
        return n
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return Number.POSITIVE_INFINITY
      for (const k in value)
        n += 3 + 6 * k.length + jsonSizeBound((value as Record<string, unknown>)[k], depth + 1)
      return n
    }
    default:
      return Number.POSITIVE_INFINITY
  }
}

/** Builds the validate step for a config. */
export function createValidate(cfg: ValidateConfig): Transform {
  return {
    apply(e: ClickEvent): StepResult {
      if (typeof e.event_id !== 'string' || e.event_id.length === 0)
        return deadLetter('missing_event_id', 'event_id is empty')
      if (!TYPES.has(e.event_type))
        return deadLetter('invalid_event_type', `unknown event_type "${e.event_type}"`)
      if (e.event_type === 'track' && !e.event_name)
        return deadLetter('missing_name', 'a track event needs event_name')
      if (!Number.isFinite(e.event_time) || !Number.isFinite(e.received_at)) {
        return deadLetter('invalid_timestamp', 'event_time and received_at must be epoch milliseconds')
      }
      if (e.event_time - e.received_at > cfg.max_future_ms) {
        return deadLetter(
          'future_timestamp',
          `event_time is ${e.event_time - e.received_at} ms after received_at`,
        )
      }
      if (cfg.require_visitor_id && !e.visitor_id)
        return deadLetter('missing_visitor_id', 'visitor_id is required')
      if (cfg.require_site && !e.site) return deadLetter('missing_site', 'site is required')
      // Props are small almost always: the bound spares serializing them per event just to measure.
      if (e.props !== null && jsonSizeBound(e.props) > cfg.max_props_bytes) {
        const size = JSON.stringify(e.props).length
        if (size > cfg.max_props_bytes)
          return deadLetter('props_too_large', `props is ${size} bytes of JSON; limit ${cfg.max_props_bytes}`)
      }
      if (cfg.drop_bots && e.is_bot) return drop('bot')
      return pass()
    },
  }
}
