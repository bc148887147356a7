// Delivers one alert notification: POST a JSON payload, retrying network errors, 5xx, 408 and 429
// with exponential backoff (a 429's Retry-After is honoured up to the cap). Any other 4xx is final:
// repeating the same request cannot fix it.

/** Delivery settings. */
export interface WebhookOptions {
  readonly timeoutMs: number
  readonly retries: number
  readonly backoffMs: number
  readonly maxBackoffMs?: number
  /** Aborts waiting and sending (shutdown); the delivery then ends as `aborted`. */
  readonly signal: AbortSignal
  /** Called after each failed attempt that will be retried. */
  onRetry?(attempt: number, error: string, waitMs: number): void
}

/** How a delivery ended. */
export interface WebhookResult {
  readonly outcome: 'delivered' | 'failed' | 'aborted'
  readonly attempts: number
  readonly status: number | null
  readonly error: string | null
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** POSTs `payload` to `url` until it is accepted (2xx), refused for good, out of retries or aborted. */
export async function deliverWebhook(
  url: string,
  payload: unknown,
  o: WebhookOptions,
): Promise<WebhookResult> {
  const body = JSON.stringify(payload)
  const maxBackoff = o.maxBackoffMs ?? 60_000
  let status: number | null = null
  let error: string | null = null
  for (let attempt = 1; ; attempt++) {
    if (o.signal.aborted) return { outcome: 'aborted', attempts: attempt - 1, status, error }
    let wait = Math.min(maxBackoff, o.backoffMs * 2 ** (attempt - 1))
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'clickflow-alerts' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]),
      })
      status = res.status
      // The body is not needed; reading it frees the connection for reuse.
      await res.arrayBuffer().catch(() => undefined)
      if (res.status >= 200 && res.status < 300)
        return { outcome: 'delivered', attempts: attempt, status, error: null }
      error = `the webhook answered ${res.status}`
      if (!retryable(res.status)) return { outcome: 'failed', attempts: attempt, status, error }
      const after = Number(res.headers.get('retry-after'))
      if (res.status === 429 && Number.isFinite(after) && after > 0) wait = Math.min(maxBackoff, after * 1000)
    } catch (err) {
      if (o.signal.aborted) return { outcome: 'aborted', attempts: attempt, status, error }
      status = null
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      error = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))
    }
    if (attempt > o.retries) return { outcome: 'failed', attempts: attempt, status, error }
    o.onRetry?.(attempt, error ?? 'failed', wait)
    await sleep(wait, o.signal)
  }
}
