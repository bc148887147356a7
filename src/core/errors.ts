// The one error module. Every error clickflow raises has a stable `code`; `toHttpError` is the single
// place that maps errors to HTTP responses ({code, message}).

/** Base of all clickflow errors: a stable machine-readable code and a sentence for people. */
export class ClickflowError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** One problem in a configuration, located by its path (`sinks.store.inputs[0]`). */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

/** A configuration is invalid; carries every problem found, not just the first. */
export class ConfigError extends ClickflowError {
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[], source = 'configuration') {
    super(
      'invalid_config',
      `${source} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n` +
        issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n'),
    )
    this.issues = issues
  }
}

/** A sink could not store a batch. `retryable` tells the topology whether trying again can help. */
export class SinkError extends ClickflowError {
  readonly retryable: boolean
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, options)
    this.retryable = retryable
  }
}

/** The durable log (or another transport) failed; nothing was acknowledged. */
export class TransportError extends ClickflowError {}

/**
 * A read asked for an offset the log does not hold: retention deleted it (below `startOffset`) or it
 * was never written (past `endOffset`). The consumer applies its reset policy.
 */
export class OffsetOutOfRangeError extends TransportError {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly startOffset: number
  readonly endOffset: number
  constructor(topic: string, partition: number, offset: number, startOffset: number, endOffset: number) {
    super(
      'offset_out_of_range',
      `offset ${offset} of ${topic}/${partition} is out of range: the log holds ${startOffset} to ${endOffset}` +
        (offset < startOffset ? ' (retention deleted older records)' : ''),
    )
    this.topic = topic
    this.partition = partition
    this.offset = offset
    this.startOffset = startOffset
    this.endOffset = endOffset
  }
}

/** A client sent something we refuse; becomes an HTTP 4xx with the same code and message. */
export class RequestError extends ClickflowError {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message)
    this.status = status
    this.headers = headers
  }
}

/** HTTP status, headers and JSON body for any error. Unknown errors become 500 without internals. */
export function toHttpError(err: unknown): {
  status: number
  headers: Record<string, string>
  body: { code: string; message: string }
} {
  if (err instanceof RequestError) {
    return { status: err.status, headers: { ...err.headers }, body: { code: err.code, message: err.message } }
  }
  if (err instanceof TransportError) {
    // The log could not take the data: the client should retry later; nothing was acknowledged.
    return {
      status: 503,
      headers: { 'retry-after': '1' },
      body: { code: err.code, message: 'the event log is unavailable; nothing was stored, retry later' },
    }
  }
  return { status: 500, headers: {}, body: { code: 'internal_error', message: 'internal error' } }
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
