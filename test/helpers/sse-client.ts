// A Server-Sent Events client for tests: reads a text/event-stream over fetch and hands out the
// parsed messages as they arrive.

/** One message of the stream. */
export interface SseMessage {
  readonly event: string
  readonly data: string
  /** When it arrived (Date.now()). */
  readonly at: number
}

/** An open stream. */
export interface SseStream {
  readonly status: number
  readonly contentType: string | null
  readonly messages: SseMessage[]
  /** Resolves with the first message (already received or future) that `match` accepts, or null at the deadline. */
  waitFor(match: (m: SseMessage) => boolean, timeoutMs: number): Promise<SseMessage | null>
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>
  close(): void
}

/** Opens `url` as an event stream. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal })
  const messages: SseMessage[] = []
  const waiters = new Set<() => void>()
  const ended = (async () => {
    if (!res.body) return
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          end = buffer.indexOf('\n\n')
          let event = 'message'
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data.push(line.slice(6))
          }
          if (data.length > 0) messages.push({ event, data: data.join('\n'), at: Date.now() })
          for (const w of waiters) w()
        }
      }
    } catch {
      // Aborted by close() or the connection dropped: the stream ended either way.
    }
    for (const w of waiters) w()
  })()
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    messages,
    ended,
    close: () => abort.abort(),
    waitFor: (match, timeoutMs) =>
      new Promise((resolve) => {
        const check = () => {
          const m = messages.find(match)
          if (m) finish(m)
        }
        const finish = (m: SseMessage | null) => {
          clearTimeout(timer)
          waiters.delete(check)
          resolve(m)
        }
        const timer = setTimeout(() => finish(null), timeoutMs)
        waiters.add(check)
        check()
      }),
  }
}
