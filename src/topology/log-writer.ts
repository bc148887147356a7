// The EventWriter every source gets: appends events and dead letters to the events topic of the
// durable log. Its promise resolves only after the fsync, which is what lets a source answer 2xx.
import type { EventWriter } from '../core/component.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { deadLetterRecord, eventRecord } from '../log/envelope.ts'
import type { AppendRecord, EventLog } from '../log/log.ts'

/** An EventWriter over `topic` of `log`. */
export function logWriter(log: EventLog, topic: string): EventWriter {
  return {
    write: (events: readonly ClickEvent[]) => log.append(topic, events.map(eventRecord)),
    deadLetter: (items: readonly DeadLetter[]) => log.append(topic, items.map(deadLetterRecord)),
    writeRecords: (records: readonly AppendRecord[]) => log.append(topic, records),
  }
}
