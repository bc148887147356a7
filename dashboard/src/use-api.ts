// Loads data for a component: re-fetches when the key changes, aborts the stale request, and keeps
// the last good data on screen while the next one loads.
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.ts'

/** What a load looks like to a component. */
export interface Loaded<T> {
  readonly data: T | null
  readonly error: ApiError | null
  readonly loading: boolean
}

/** Runs `load` whenever `key` changes; `key` null means "nothing to load yet". */
export function useApi<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: key !== null })
  useEffect(() => {
    if (key === null) return
    const ac = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    load(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ data, error: null, loading: false })
      },
      (err: unknown) => {
        if (ac.signal.aborted) return
        const e =
          err instanceof ApiError
            ? err
            : new ApiError(0, 'client_error', (err as Error)?.message ?? String(err))
        setState({ data: null, error: e, loading: false })
      },
    )
    return () => ac.abort()
  }, [key])
  return state
}
