// Events for `npm run bench:process`: enriched events (bench:store's shape) re-timed as steady traffic
// of 5,000 visitors active at once, each sending an event every 100 s of event time for 20 events
// before a new visitor takes the slot; 50 events per second of event time, so over a run sessions
// open, grow, and close when the watermark passes their end + 30 min gap + lateness.
import type { ClickEvent } from '../../src/core/event.ts'
import { enrichedEvent } from './store-events.ts'

const SLOTS = 5_000
const EVENTS_PER_VISIT = 20
const EVENT_TIME_STEP_MS = 20
const T0 = Date.UTC(2026, 10, 21, 0)

/** Event number `i` of the process bench's stream. */
export function processEvent(i: number): ClickEvent {
  const e = enrichedEvent(i)
  const slot = i % SLOTS
  const generation = Math.floor(i / (SLOTS * EVENTS_PER_VISIT))
  e.visitor_id = `v${generation}-${slot}`
  e.session_id = `s${generation}-${slot}`
  e.event_time = T0 + i * EVENT_TIME_STEP_MS
  e.received_at = e.event_time + 40
  e.sent_at = e.event_time + 20
  if (i % 10 === 9) {
    e.event_type = 'engagement'
    e.event_name = null
    e.props = { engaged_ms: 4_000 + (i % 7) * 1_000 }
  }
  return e
}
