// POST /api/import on the admin listener: how `clickflow import` hands events to a clickflow that
// already runs on the data directory (the log has one writer, so the importer cannot append
// itself). The importer parsed the lines already; this appends its events and dead letters to the
// durable log, as a source would, and answers only once they are durable. Admin-only (loopback or
// token): the events are trusted to be shaped by our own parsers, and the pipeline validates them.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EventWriter } from '../core/component.ts'
import { RequestError } from '../core/errors.ts'
import { type ClickEvent, type DeadLetter, emptyEvent } from '../core/event.ts'
import { mediaType, parseJson, readBody } from '../http/read-body.ts'
import { sendJson } from '../http/respond.ts'

/** Largest import batch body. */
export const MAX_IMPORT_BODY = 32 * 1024 * 1024

/** The body of POST /api/import. */
export interface ImportBatch {
  readonly events: readonly ClickEvent[]
  readonly dead_letters: readonly DeadLetter[]
}

function isEvent(v: unknown): v is ClickEvent {
  const e = v as Partial<ClickEvent> | null
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.event_id === 'string' &&
    typeof e.event_type === 'string' &&
    typeof e.event_time === 'number' &&
    typeof e.source_id === 'string'
  )
}

function isDeadLetter(v: unknown): v is DeadLetter {
  const d = v as Partial<DeadLetter> | null
  return typeof d === 'object' && d !== null && typeof d.reason === 'string' && typeof d.payload === 'string'
}

/** The handler: parses a batch, appends it durably through `out`, answers `{accepted, dead_lettered}`. */
export function importHandler(out: EventWriter) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (mediaType(req) !== 'application/json') {
      req.resume()
      throw new RequestError(415, 'unsupported_media_type', 'send {"events": [...], "dead_letters": [...]}')
    }
    const body = parseJson(await readBody(req, MAX_IMPORT_BODY)) as Partial<ImportBatch> | null
    const events = body?.events ?? []
    const dead = body?.dead_letters ?? []
    if (!Array.isArray(events) || !Array.isArray(dead) || !events.every(isEvent) || !dead.every(isDeadLetter))
      throw new RequestError(
        400,
        'invalid_body',
        'expected {"events": [ClickEvent...], "dead_letters": [...]}',
      )
    // Missing optional fields are filled, so a batch from an older importer still makes whole events.
    const whole = events.map((e) => ({ ...emptyEvent(e), ...e }))
    await Promise.all([
      whole.length > 0 ? out.write(whole) : undefined,
      dead.length > 0 ? out.deadLetter(dead) : undefined,
    ])
    sendJson(res, 200, { accepted: whole.length, dead_lettered: dead.length })
  }
}
