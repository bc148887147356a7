// The messages that carry EventLog calls between threads: the log lives with the writer (the thread
// that runs the sources), consumers in another thread call it through a MessagePort.
import { ClickflowError, OffsetOutOfRangeError, TransportError } from '../../core/errors.ts'
import type { LogRecord } from '../log.ts'

/** EventLog methods callable across threads (close stays with the owner). */
export const LOG_METHODS = [
  'topics',
  'partitions',
  'append',
  'read',
  'startOffsets',
  'endOffsets',
  'offsetForTimestamp',
  'committed',
  'commit',
  'waitForData',
] as const

/** One of {@link LOG_METHODS}, or `readBatches` (see {@link BatchReadable}). */
export type LogMethod = (typeof LOG_METHODS)[number] | 'readBatches'

/**
 * A log that can hand out the record batches behind a read as bytes (the segment log can). Across
 * threads this replaces `read`: one buffer moves (transferred, not copied) instead of a structured
 * clone of every record object, and the records are decoded in the thread that uses them.
 */
export interface BatchReadable {
  readBatches(topic: string, partition: number, offset: number, max: number): Promise<Buffer[]>
}

/** The answer to `readBatches`: batch bytes, or records when the owner's log cannot give bytes. */
export type BatchesAnswer =
  | { readonly kind: 'batches'; readonly chunks: readonly Uint8Array[] }
  | { readonly kind: 'records'; readonly records: readonly LogRecord[] }

/** A call. */
export interface LogRequest {
  readonly id: number
  readonly method: LogMethod
  readonly args: readonly unknown[]
}

/** An error as it crosses a thread boundary. */
export interface WireError {
  readonly name: string
  readonly code: string | null
  readonly message: string
  /** OffsetOutOfRangeError's fields, so the consumer can apply its reset policy. */
  readonly range?: readonly [string, number, number, number, number]
}

/** The answer to a call. */
export type LogResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError }

/** Turns any error into its wire form. */
export function toWire(err: unknown): WireError {
  if (err instanceof OffsetOutOfRangeError) {
    return {
      name: 'OffsetOutOfRangeError',
      code: err.code,
      message: err.message,
      range: [err.topic, err.partition, err.offset, err.startOffset, err.endOffset],
    }
  }
  if (err instanceof ClickflowError) return { name: err.name, code: err.code, message: err.message }
  return { name: 'Error', code: null, message: err instanceof Error ? err.message : String(err) }
}

/** Rebuilds an error from its wire form, with the classes callers test for. */
export function fromWire(e: WireError): Error {
  if (e.range) return new OffsetOutOfRangeError(...e.range)
  if (e.name === 'TransportError') return new TransportError(e.code ?? 'log_failed', e.message)
  if (e.code) return new ClickflowError(e.code, e.message)
  return new Error(e.message)
}
