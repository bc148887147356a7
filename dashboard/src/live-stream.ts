// Reads GET /api/live (Server-Sent Events) with fetch instead of EventSource, because EventSource
// cannot send the Authorization header. Reconnects after a drop; stops when aborted.
import type { LiveSnapshot } from '../../src/analytics/contract.ts'
import { type ApiError, authHeaders, failure } from './api.ts'

/** What the stream reports besides snapshots. */
export interface LiveHandlers {
  snapshot(s: LiveSnapshot): void
  /** Connection state for the "live" badge; the error of a refused or failed connection. */
  status(connected: boolean, error?: ApiError | Error): void
}

/** Splits SSE text into messages; returns the unfinished rest. */
export function parseSse(buffer: string, onMessage: (event: string, data: string) => void): string {
  const blocks = buffer.split(/\r?\n\r?\n/)
  const rest = blocks.pop() ?? ''
  for (const block of blocks) {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length) onMessage(event, data.join('\n'))
  }
  return rest
}

/** Follows the live stream until `signal` aborts. */
export async function followLive(signal: AbortSignal, h: LiveHandlers): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch('/api/live', {
        headers: { ...authHeaders(), accept: 'text/event-stream' },
        signal,
      })
      if (!res.ok || !res.body) {
        const err = await failure(res)
        h.status(false, err)
        // A refused token will not get better by retrying fast.
        if (res.status === 401 || res.status === 404) return
      } else {
        h.status(true)
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer = parseSse(buffer + value, (event, data) => {
            if (event === 'live' || event === 'message') h.snapshot(JSON.parse(data) as LiveSnapshot)
          })
        }
        h.status(false, new Error('the live stream ended; reconnecting'))
      }
    } catch (err) {
      if (signal.aborted) return
      h.status(false, err as Error)
    }
    await new Promise((r) => setTimeout(r, 2000))
  }
}
