// A Segment request body (a single call, or /v1/batch) parsed into events and per-message rejections,
// with Segment's request-level answers: 400 for an oversized message and for a body that is not one.
import { RequestError } from '../../../../core/errors.ts'
import type { ClickEvent, JsonValue } from '../../../../core/event.ts'
import { jsonBytesOver } from '../../../../http/json-length.ts'
import { jsonDepth } from '../../../../http/read-body.ts'
import { parseClientTime } from '../../client-time.ts'
import type { Rejection } from '../../route.ts'
import { Invalid, type MessageMeta, segmentMessageToEvent } from './segment-message.ts'

/** Segment's limit on one call, and on one message inside a batch: 32 KB of JSON. */
export const MAX_MESSAGE_BYTES = 32 * 1024
/** Segment's limit on a /v1/batch request: 500 KB. */
export const MAX_BATCH_BYTES = 500 * 1024
/** Segment's limit on messages in one batch; those past it are refused one by one, as Segment does. */
export const MAX_BATCH_MESSAGES = 2500
/** A message nesting deeper than this refuses the request: it is a bomb, not analytics (JSON.stringify would overflow). */
export const MAX_DEPTH = 64

/** What a request contributes besides its body (see MessageMeta; sentAt and context come from the body). */
export type RequestMeta = Omit<MessageMeta, 'sentAt' | 'context'>

type Json = Record<string, JsonValue>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function badBody(message: string): RequestError {
  return new RequestError(400, 'invalid_body', message)
}

/** The body's `writeKey`, when it is an object carrying one. */
export function bodyWriteKey(body: unknown): string | null {
  return isObject(body) && typeof body.writeKey === 'string' && body.writeKey !== '' ? body.writeKey : null
}

/**
 * Parses the body of `call` (`batch`, or one of the six call names). Throws RequestError (400) for a
 * body that is not an object, a batch without an array, a bad batch `sentAt`, a message over 32 KB or
 * nested past MAX_DEPTH: nothing of such a request is stored. Messages Segment would not accept
 * (no userId/anonymousId, track without event, ...) become rejections.
 */
export function parseSegmentBody(
  body: unknown,
  call: string,
  meta: RequestMeta,
): { events: ClickEvent[]; rejected: Rejection[] } {
  if (!isObject(body)) throw badBody('the body must be a JSON object')
  let messages: unknown[]
  let sentAt: number | null = null
  let context: Json | null = null
  if (call === 'batch') {
    if (!Array.isArray(body.batch)) throw badBody('a batch body needs a "batch" array of messages')
    messages = body.batch
    if (body.sentAt !== undefined && body.sentAt !== null) {
      sentAt = parseClientTime(body.sentAt)
      if (sentAt === null) {
        throw new RequestError(
          400,
          'invalid_sent_at',
          'sentAt must be an ISO 8601 string or epoch milliseconds',
        )
      }
    }
    if (body.context !== undefined && body.context !== null) {
      if (!isObject(body.context)) throw badBody('the batch context must be a JSON object')
      context = body.context
    }
  } else messages = [body]

  const events: ClickEvent[] = []
  const rejected: Rejection[] = []
  const messageMeta: MessageMeta = { ...meta, sentAt, context }
  for (let index = 0; index < messages.length; index++) {
    const raw = messages[index]
    if (jsonDepth(raw, MAX_DEPTH) > MAX_DEPTH) {
      throw badBody(`message ${index} nests deeper than ${MAX_DEPTH} levels`)
    }
    // Serialized only when it may be over the limit, or to keep a refused message.
    const bytes = jsonBytesOver(raw, MAX_MESSAGE_BYTES)
    if (bytes !== null) {
      throw new RequestError(
        400,
        'event_too_large',
        `message ${index} is ${bytes} bytes of JSON; Segment's limit is ${MAX_MESSAGE_BYTES} per message`,
      )
    }
    try {
      if (index >= MAX_BATCH_MESSAGES) {
        throw new Invalid('too_many_events', `a batch may carry at most ${MAX_BATCH_MESSAGES} messages`)
      }
      const type = call === 'batch' ? (raw as { type?: unknown } | null)?.type : call
      events.push(segmentMessageToEvent(raw, type, messageMeta))
    } catch (err) {
      if (!(err instanceof Invalid)) throw err
      rejected.push({ index, code: err.code, message: err.message, payload: JSON.stringify(raw) ?? 'null' })
    }
  }
  return { events, rejected }
}
