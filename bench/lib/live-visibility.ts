// Follows GET /api/live (Server-Sent Events, read with fetch) and records, for each message, when it
// arrived and how many page views its last hour holds: the end-to-end benches match these against
// the page views acknowledged by the collector to time when events became visible in the live view.

/** One live message: arrival (performance.now() ms) and the page views of its last 60 minutes. */
export interface LiveMark {
  readonly at: number
  readonly pageViews: number
}

/** A running subscription; `stop()` ends it and resolves with every message seen. */
export interface LiveFollower {
  readonly marks: LiveMark[]
  stop(): Promise<LiveMark[]>
}

/** Subscribes to `${adminUrl}/api/live` and resolves once the first message arrived. */
export async function followLive(adminUrl: string, token?: string): Promise<LiveFollower> {
  const abort = new AbortController()
  const res = await fetch(new URL('/api/live', adminUrl), {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: abort.signal,
  })
  if (res.status !== 200 || !res.body) throw new Error(`GET /api/live answered ${res.status}`)
  const marks: LiveMark[] = []
  let first: () => void = () => undefined
  const firstSeen = new Promise<void>((r) => {
    first = r
  })
  const reading = (async () => {
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const at = performance.now()
        buffered += decoder.decode(chunk, { stream: true })
        let end = buffered.indexOf('\n\n')
        while (end >= 0) {
          const message = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const data = message
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n')
          if (data) {
            const snapshot = JSON.parse(data) as { page_views_per_minute: { page_views: number }[] }
            marks.push({
              at,
              pageViews: snapshot.page_views_per_minute.reduce((s, m) => s + m.page_views, 0),
            })
            first()
          }
          end = buffered.indexOf('\n\n')
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err
    }
  })()
  await firstSeen
  return {
    marks,
    stop: async () => {
      abort.abort()
      await reading
      return marks
    },
  }
}

/**
 * Per acknowledged batch (time of its 2xx, page views acknowledged up to and including it, counted
 * from the subscription's first message): ms until a live message held them all. Batches never seen
 * are left out (the caller compares counts).
 */
export function liveLatencies(
  acks: readonly { at: number; pageViews: number }[],
  marks: readonly LiveMark[],
): number[] {
  const base = marks[0]?.pageViews ?? 0
  const out: number[] = []
  let m = 0
  for (const a of acks) {
    while (m < marks.length && marks[m]!.pageViews - base < a.pageViews) m++
    if (m >= marks.length) break
    // A message can beat the client's own reading of the 2xx: that is no wait at all.
    out.push(Math.max(0, marks[m]!.at - a.at))
  }
  return out
}
