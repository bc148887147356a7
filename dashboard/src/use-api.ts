// Loads data for a component: re-fetches when the key changes, aborts the stale request, and keeps
// the last good data on screen while the next one loads.
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.ts'

/** What a load looks like to a component. */
export interface Loaded<T> {
  readonly data: T | null
  readonly error: ApiError | null
  /** True from the render that changed the key until its answer arrived. */
  readonly loading: boolean
}

interface Answer<T> {
  readonly key: string | null
  readonly data: T | null
  readonly error: ApiError | null
}

/** Runs `load` whenever `key` changes; `key` null means "nothing to load yet". */
export function useApi<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [answer, setAnswer] = useState<Answer<T>>({ key: null, data: null, error: null })
  useEffect(() => {
    if (key === null) return
    const ac = new AbortController()
    load(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setAnswer({ key, data, error: null })
      },
      (err: unknown) => {
        if (ac.signal.aborted) return
        const e =
          err instanceof ApiError
            ? err
            : new ApiError(0, 'client_error', (err as Error)?.message ?? String(err))
        setAnswer({ key, data: null, error: e })
      },
    )
    return () => ac.abort()
  }, [key])
  // Derived during render, not set in the effect: the render that changes the key already says
  // "loading", so nothing (a person or a test) sees the old answer as the new one's.
  return { data: answer.data, error: answer.error, loading: key !== null && answer.key !== key }
}
