// Events and engine settings for the processor's tests.
import { type ClickEvent, type EventType, emptyEvent } from '../core/event.ts'
import type { EngineOptions } from './engine.ts'

/** 2026-01-01T00:00:00Z, the ManualClock's default start. */
export const T0 = Date.UTC(2026, 0, 1)
export const SECOND = 1_000
export const MINUTE = 60_000

let seq = 0

/** An event of `visitor` at `time` (ms); ids sort in creation order. */
export function testEvent(
  visitor: string | null,
  time: number,
  o: { type?: EventType; name?: string; page?: string; id?: string; site?: string; engagedMs?: number } = {},
): ClickEvent {
  seq++
  const e = emptyEvent({
    event_id: o.id ?? `e${String(seq).padStart(8, '0')}`,
    event_type: o.type ?? 'pageview',
    event_time: time,
    received_at: time,
    source_id: 'test',
  })
  e.visitor_id = visitor
  e.site = o.site ?? 'example.test'
  e.event_name = o.name ?? null
  e.page_path = o.page ?? (e.event_type === 'pageview' ? '/' : null)
  if (o.engagedMs !== undefined) e.props = { engaged_ms: o.engagedMs }
  return e
}

/** Engine settings for tests: 1 s bound, 10 s idleness, 1 min lateness, 30 min gap, 24 h cap. */
export const TEST_ENGINE: EngineOptions = {
  watermarkBoundMs: SECOND,
  idleTimeoutMs: 10 * SECOND,
  allowedLatenessMs: MINUTE,
  sessionGapMs: 30 * MINUTE,
  sessionMaxMs: 24 * 60 * MINUTE,
  bounceEngagedMs: 10 * SECOND,
}
