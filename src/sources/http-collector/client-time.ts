// Client-sent times: parsing, and clock-skew correction when the client says when it sent.

/** Timestamps before this are surely wrong (not a backfill): 2000-01-01. */
export const MIN_TIME = Date.UTC(2000, 0, 1)
/** How far in the future a corrected timestamp may lie before it is refused. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000

/** A time given as ISO 8601 text or epoch milliseconds, or null when it is neither (or before 2000). */
export function parseClientTime(value: unknown): number | null {
  let ms: number
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) ms = Date.parse(value)
  else return null
  return Number.isFinite(ms) && ms >= MIN_TIME ? Math.trunc(ms) : null
}

/**
 * The event time of a client timestamp: `received_at - (sent_at - timestamp)` when the client sent
 * `sent_at` (its clock's offset cancels out), else the timestamp as given (backfills are legitimate).
 */
export function correctSkew(timestamp: number, sentAt: number | null, receivedAt: number): number {
  return sentAt === null ? timestamp : receivedAt - (sentAt - timestamp)
}
