// What a log record of the events topic holds: an event (binary, see event-codec.ts) or a dead
// letter (JSON: rare, and read by people with `clickflow log tail`). The key is the visitor id (so a
// visitor's events stay in order in one partition), else the event id. Events written as JSON by
// versions before the binary format (without their null and false fields) are still read.
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { decodeEvent, encodeEvent, FORMAT_V1 } from './event-codec.ts'
import { eventFromRecord } from './event-from-record.ts'
import type { AppendRecord } from './log.ts'

/** The decoded value of one record. */
export type Envelope = { readonly event: ClickEvent } | { readonly dead_letter: DeadLetter }

/** The topic every source writes to and the pipeline reads from. */
export const EVENTS_TOPIC = 'events'

/** Encodes an event as a log record (the binary format of event-codec.ts). */
export function eventRecord(event: ClickEvent): AppendRecord {
  return { key: eventRecordKey(event), value: encodeEvent(event), timestamp: eventRecordTime(event) }
}

/** An event record's key: the visitor (one visitor's events stay in one partition, in order). */
export function eventRecordKey(event: ClickEvent): string {
  return event.visitor_id ?? event.event_id
}

/** An event record's timestamp: when it was received. */
export function eventRecordTime(event: ClickEvent): number {
  return event.received_at
}

/** Encodes a dead letter as a log record. */
export function deadLetterRecord(item: DeadLetter): AppendRecord {
  return { key: null, value: Buffer.from(JSON.stringify({ dead_letter: item })), timestamp: item.received_at }
}

/** Decodes a record's value; throws on bytes that are not an envelope (a corrupt log, not bad input). */
export function decodeEnvelope(value: Buffer): Envelope {
  if (value[0] === FORMAT_V1) return { event: decodeEvent(value) }
  // JSON: dead letters, and events written before the binary format (logs of older versions).
  const parsed = JSON.parse(value.toString('utf8')) as Envelope
  if (typeof parsed !== 'object' || parsed === null || !('event' in parsed || 'dead_letter' in parsed)) {
    throw new Error('log record is not an event envelope')
  }
  return 'event' in parsed ? { event: eventFromRecord(parsed.event) } : parsed
}
