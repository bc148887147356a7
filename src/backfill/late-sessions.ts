// Sessions of one visitor rebuilt from stored events: what the stream processor would have made of
// them had they arrived in order. The rules are the processor's own (src/processor/session.ts adds
// each event and makes the row), applied to events sorted by (event time, event id): a session ends
// after `gapMs` without events and is cut `maxMs` after its start.
import type { ClickEvent } from '../core/event.ts'
import { addEvent, newSession, type Session, type SessionRow, sessionRow } from '../processor/session.ts'

/** The processor's session settings. */
export interface LateSessionOptions {
  readonly gapMs: number
  readonly maxMs: number
  readonly bounceEngagedMs: number
}

/** Session rows of `events`, all of one visitor, sorted by (event time, event id). */
export function sessionsOfVisitor(
  visitorId: string,
  events: readonly ClickEvent[],
  options: LateSessionOptions,
): SessionRow[] {
  const rows: SessionRow[] = []
  let current: Session | null = null
  for (const e of events) {
    const t = e.event_time
    if (current && t - current.last_t < options.gapMs && t - current.first_t < options.maxMs) {
      addEvent(current, e)
      continue
    }
    if (current) rows.push(sessionRow(current, options))
    current = newSession(e, visitorId)
  }
  if (current) rows.push(sessionRow(current, options))
  return rows
}
